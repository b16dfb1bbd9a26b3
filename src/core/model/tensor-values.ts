// One planned tensor's values as float32, in GGUF layout: read just its byte range (or take the
// generated values), decode, apply the converter's transform.
import { concatBytes } from '../concat-bytes.ts';
import type { ModelFiles } from '../bytes-io.ts';
import { roundThroughF16 } from '../float16.ts';
import { tensorBytes, type GgmlTypeName } from '../ggml-type.ts';
import { dequantizeRowsCpu } from '../quant/dequantize.ts';
import { decodeToF32, type F32 } from '../safetensors/decode.ts';
import { SAFETENSORS_DTYPE_BYTES } from '../safetensors/dtype.ts';
import { readMxfp4Rows } from './mxfp4-source.ts';
import type { GgufTensorSource, PlannedTensor, SourceTensor, StackedSource } from './plan-types.ts';

export async function readTensorF32(t: PlannedTensor, files: ModelFiles): Promise<F32> {
  if (t.source.kind === 'generated') return new Float32Array(t.source.values);
  if (t.source.kind === 'stacked' || t.source.kind === 'mxfp4' || t.source.kind === 'gguf') return (await readTensorRowsChecked(t, files, 0, tensorRows(t))).values;
  const source = files.open(t.source.file);
  if (!source) throw new Error(`${t.source.file}: missing from ${files.label} (needed for tensor "${t.hfName}")`);
  const what = `${t.source.file}: tensor "${t.hfName}"`;
  if (t.transform.kind === 'first-rows') {
    // Rows are contiguous from the start, so only the kept rows are read.
    const rowBytes = (t.source.byteLength / (t.source.shape[0] ?? 1));
    const rows = t.transform.rows;
    if (rows > (t.source.shape[0] ?? 1) || !Number.isInteger(rowBytes) || rowBytes % SAFETENSORS_DTYPE_BYTES[t.source.dtype] !== 0) {
      throw new Error(`${what}: cannot keep the first ${rows} rows of shape [${t.source.shape.join(', ')}]`);
    }
    return decodeToF32(await source.read(t.source.offset, rows * rowBytes), t.source.dtype, what);
  }
  const values = decodeToF32(await source.read(t.source.offset, t.source.byteLength), t.source.dtype, what);
  switch (t.transform.kind) {
    case 'none': return values;
    case 'permute-qk': return permuteQk(values, t.source.shape, t.transform.heads, t.hfName);
    case 'add-one': return addOne(values, t.source.dtype === 'F16');
    case 'neg-exp': return negExp(values, t.source.dtype === 'F16');
    case 'every-other-column': return everyOtherColumn(values, t.ne[0]!, t.transform.offset);
    case 'transpose-experts': return transposeExperts(values, t.ne, t.transform.rowStep, t.transform.rowOffset);
  }
}

/**
 * Whole experts stored [inputs, outputs · rowStep] each, as GGUF rows: expert by expert, output row
 * i (checkpoint column i · rowStep + rowOffset) holding its ne[0] inputs.
 */
export function transposeExperts(values: Float32Array, ne: readonly number[], rowStep: number, rowOffset: number): F32 {
  const [inputs, outputs] = [ne[0]!, ne[1]!];
  const stored = outputs * rowStep;
  const experts = values.length / (inputs * stored);
  const out = new Float32Array(experts * outputs * inputs);
  for (let e = 0; e < experts; e++) {
    const from = e * inputs * stored;
    const to = e * outputs * inputs;
    for (let j = 0; j < inputs; j++) {
      for (let i = 0; i < outputs; i++) out[to + i * inputs + j] = values[from + j * stored + i * rowStep + rowOffset]!;
    }
  }
  return out;
}

/** torch's `-torch.exp(w)` as the converter runs it: in float32, or in half for an F16 source (rounded to half). */
export function negExp(values: F32, inHalf: boolean): F32 {
  for (let i = 0; i < values.length; i++) {
    const e = Math.fround(Math.exp(values[i]!));
    values[i] = -(inHalf ? roundThroughF16(e) : e);
  }
  return values;
}

/** Values offset, offset + 2, … of each row of `cols` kept values (rows of 2·cols in `values`). */
export function everyOtherColumn(values: Float32Array, cols: number, offset: 0 | 1): F32 {
  const rows = values.length / (2 * cols);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) out[r * cols + j] = values[r * 2 * cols + 2 * j + offset]!;
  return out;
}

/**
 * torch's `w + 1` as the converter runs it: BF16/F64 sources were already cast to float32 (sum
 * rounded to float32); F16 sources stay half, so the sum is rounded to half.
 */
export function addOne(values: F32, inHalf: boolean): F32 {
  for (let i = 0; i < values.length; i++) {
    const sum = Math.fround(values[i]! + 1);
    values[i] = inHalf ? roundThroughF16(sum) : sum;
  }
  return values;
}

/**
 * W.reshape(heads, 2, rows/heads/2, cols).swapaxes(1, 2).reshape(rows, cols): within each head,
 * row (half h, index i) moves to row 2i + h, turning rotate-half pairs into adjacent pairs.
 */
export function permuteQk(values: Float32Array, shape: readonly number[], heads: number, what = 'tensor'): F32 {
  return permuteRotaryRows(values, shape[0] ?? 1, heads, what, new Float32Array(values.length));
}

/** permuteQk on raw rows (any element type): `bytes` holds `rows` rows of equal size. */
export function permuteQkRows(bytes: Uint8Array, rows: number, heads: number, what = 'tensor'): Uint8Array {
  return permuteRotaryRows(bytes, rows, heads, what, new Uint8Array(bytes.length));
}

/** The row permutation of permuteQk from `src` into `out` (same element type); rows count src elements. */
function permuteRotaryRows<T extends Float32Array | Uint8Array>(
  src: Float32Array | Uint8Array, rows: number, heads: number, what: string, out: T,
): T {
  const rowLength = src.length / rows;
  if (rows % (2 * heads) !== 0 || !Number.isInteger(rowLength)) {
    throw new Error(`${what}: ${rows} rows cannot be split into ${heads} heads of rotary pairs`);
  }
  const half = rows / heads / 2;
  for (let h = 0; h < heads; h++) {
    for (let part = 0; part < 2; part++) {
      for (let i = 0; i < half; i++) {
        const from = (h * 2 + part) * half + i;
        const to = h * 2 * half + i * 2 + part;
        out.set(src.subarray(from * rowLength, (from + 1) * rowLength), to * rowLength);
      }
    }
  }
  return out;
}

/** Rows of a tensor in GGUF layout: everything but the innermost dimension. */
export function tensorRows(t: PlannedTensor): number {
  return t.ne.slice(1).reduce((a, b) => a * b, 1);
}

/**
 * Row ranges read with readTensorRowsF32 must start and end on multiples of this: a Q/K
 * permutation moves rows only within one head, so a whole head is read at once.
 */
export function tensorRowAlignment(t: PlannedTensor): number {
  if (t.transform.kind === 'permute-qk') return tensorRows(t) / t.transform.heads;
  // Each expert's matrix is transposed from the checkpoint: read whole.
  if (t.transform.kind === 'transpose-experts') return t.ne[1]!;
  return 1;
}

/**
 * Rows [firstRow, firstRow + rowCount) of the tensor in GGUF layout, reading only their bytes:
 * what lets an export stream a tensor larger than memory should hold.
 */
export async function readTensorRowsF32(t: PlannedTensor, files: ModelFiles, firstRow: number, rowCount: number): Promise<F32> {
  return (await readTensorRowsChecked(t, files, firstRow, rowCount)).values;
}

export interface CheckedRows {
  values: F32;
  /** True when every value was seen to be finite while decoding; false when not checked, or not finite. */
  finite: boolean;
}

/**
 * readTensorRowsF32, with the finite check done inside the BF16 decode loop where it is almost
 * free (the export's finite check was a whole extra pass over the chunk). Every transform keeps
 * finite values finite (a permutation; +1 rounds to at most the largest float), so checking the
 * source suffices. `finite: false` means "check it yourself": the caller locates the bad value.
 */
export async function readTensorRowsChecked(t: PlannedTensor, files: ModelFiles, firstRow: number, rowCount: number): Promise<CheckedRows> {
  return (await fetchTensorRows(t, files, firstRow, rowCount)).decode();
}

export interface FetchedRows {
  /** Decodes (and transforms) the rows to float32. */
  decode(): CheckedRows;
  /**
   * When the source is BF16 and the transform only moves rows (none, first-rows, permute-qk):
   * gives the rows' raw little-endian BF16 bytes, in GGUF row order, for a quantizer that widens
   * them itself (e.g. on its own threads). Null otherwise.
   */
  bf16: (() => Uint8Array) | null;
  /** Where the checkpoint stores the rows quantized (PlannedTensor.storedType): their bytes in that type. */
  stored?: { type: GgmlTypeName; bytes: Uint8Array };
}

/**
 * The read of readTensorRowsChecked in two steps: the promise settles when the rows' bytes have
 * arrived; `decode` converts them. An export can keep several reads in flight (to keep a network
 * source busy) while holding only one chunk decoded to float32.
 */
export async function fetchTensorRows(t: PlannedTensor, files: ModelFiles, firstRow: number, rowCount: number): Promise<FetchedRows> {
  const rows = tensorRows(t);
  const cols = t.ne[0]!;
  const align = tensorRowAlignment(t);
  if (firstRow < 0 || rowCount < 0 || firstRow + rowCount > rows || firstRow % align !== 0 || (rowCount % align !== 0 && firstRow + rowCount !== rows)) {
    throw new Error(`tensor "${t.ggufName}": cannot read rows [${firstRow}, ${firstRow + rowCount}) of ${rows} (aligned to ${align})`);
  }
  if (t.source.kind === 'generated') {
    const values = t.source.values;
    return { bf16: null, decode: () => ({ values: new Float32Array(values.subarray(firstRow * cols, (firstRow + rowCount) * cols)), finite: false }) };
  }
  const what = `${t.source.file}: tensor "${t.hfName}"`;
  if (t.source.kind === 'mxfp4') {
    const blocks = await readMxfp4Rows(t.source, files, firstRow, rowCount, t.hfName);
    // MXFP4 decodes to finite values only (codes times a power of two).
    return { bf16: null, stored: { type: 'MXFP4', bytes: blocks }, decode: () => ({ values: dequantizeRowsCpu('MXFP4', blocks, cols) as F32, finite: true }) };
  }
  if (t.source.kind === 'gguf') return fetchGgufRows(t.source, files, firstRow, rowCount, cols, t.transform.kind);
  // Every transform keeps rows within the range read: first-rows reads a prefix, permute-qk whole
  // heads; transpose-experts reads whole experts, each its checkpoint's rows (ne[0] inputs of them).
  const sourceRows = t.transform.kind === 'transpose-experts' ? [(firstRow / t.ne[1]!) * t.ne[0]!, (rowCount / t.ne[1]!) * t.ne[0]!] : [firstRow, rowCount];
  const bytes = t.source.kind === 'stacked'
    ? await readStackedRows(t.source, files, firstRow, rowCount, t.transform.kind)
    : await readSourceRows(t.source, files, sourceRows[0]!, sourceRows[1]!, t.hfName);
  const { dtype } = t.source;
  const transform = t.transform;
  const rowsOnly = transform.kind === 'none' || transform.kind === 'first-rows' || transform.kind === 'permute-qk';
  return {
    bf16: rowsOnly && dtype === 'BF16' && HOST_IS_LITTLE_ENDIAN && bytes.byteLength === rowCount * cols * 2
      ? () => (transform.kind === 'permute-qk' ? permuteQkRows(bytes, rowCount, (rowCount / rows) * transform.heads, t.hfName) : bytes)
      : null,
    decode: () => {
      const decoded = dtype === 'BF16' ? decodeBf16Checked(bytes, what) : { values: decodeToF32(bytes, dtype, what), finite: false };
      switch (transform.kind) {
        case 'none':
        case 'first-rows':
          return decoded;
        case 'permute-qk':
          return { values: permuteQk(decoded.values, [rowCount, cols], (rowCount / rows) * transform.heads, t.hfName), finite: decoded.finite };
        case 'add-one':
          return { values: addOne(decoded.values, dtype === 'F16'), finite: decoded.finite };
        case 'neg-exp':
          return { values: negExp(decoded.values, dtype === 'F16'), finite: false };
        case 'every-other-column':
          return { values: everyOtherColumn(decoded.values, cols, transform.offset), finite: decoded.finite };
        case 'transpose-experts':
          return { values: transposeExperts(decoded.values, t.ne, transform.rowStep, transform.rowOffset), finite: decoded.finite };
      }
    },
  };
}

/**
 * Rows of a GGUF tensor: their stored bytes (a quantizer asked for the same type copies them, as
 * llama-quantize does) and their values as ggml's to_float gives them (llama-quantize's input).
 */
async function fetchGgufRows(src: GgufTensorSource, files: ModelFiles, firstRow: number, rowCount: number, cols: number, transform: string): Promise<FetchedRows> {
  if (transform !== 'none') throw new Error(`${src.file}: tensor "${src.name}" cannot take the "${transform}" transform`);
  const source = files.open(src.file);
  if (!source) throw new Error(`${src.file}: missing from ${files.label} (needed for tensor "${src.name}")`);
  const rowBytes = tensorBytes(src.dtype, [cols]);
  const bytes = await source.read(src.offset + firstRow * rowBytes, rowCount * rowBytes);
  const type = src.dtype;
  return {
    stored: { type, bytes },
    bf16: type === 'BF16' && HOST_IS_LITTLE_ENDIAN ? () => bytes : null,
    decode: () => {
      if (type === 'BF16') return decodeBf16Checked(bytes, `${src.file}: tensor "${src.name}"`);
      // Block types decode to finite values only when their scales are; F32/F16 may hold anything: the export checks.
      return { values: dequantizeRowsCpu(type, bytes, cols) as F32, finite: false };
    },
  };
}

/** Rows [firstRow, firstRow + rowCount) of one safetensors tensor, as its raw bytes. */
async function readSourceRows(src: SourceTensor, files: ModelFiles, firstRow: number, rowCount: number, hfName = src.name): Promise<Uint8Array> {
  const source = files.open(src.file);
  if (!source) throw new Error(`${src.file}: missing from ${files.label} (needed for tensor "${hfName}")`);
  // GGUF rows: everything but the innermost dimension (a 3-D source of stacked experts included).
  const sourceRows = src.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const rowBytes = src.byteLength / sourceRows;
  if (!Number.isInteger(rowBytes)) throw new Error(`${src.file}: tensor "${hfName}": byte length ${src.byteLength} is not a whole number of rows`);
  return source.read(src.offset + firstRow * rowBytes, rowCount * rowBytes);
}

/**
 * Rows of stacked experts: GGUF row r is row r mod R of expert r div R (R rows per expert), so a
 * range reads the overlapping rows of each expert it spans, in order. Experts are never transformed.
 */
async function readStackedRows(src: StackedSource, files: ModelFiles, firstRow: number, rowCount: number, transform: string): Promise<Uint8Array> {
  if (transform !== 'none') throw new Error(`${src.file}: tensor "${src.name}": stacked experts cannot take the "${transform}" transform`);
  const perExpert = src.shape[1]!;
  const pieces: Uint8Array[] = [];
  for (let row = firstRow, end = firstRow + rowCount; row < end;) {
    const expert = Math.floor(row / perExpert);
    const within = row - expert * perExpert;
    const n = Math.min(perExpert - within, end - row);
    pieces.push(await readSourceRows(src.parts[expert]!, files, within, n));
    row += n;
  }
  return concatBytes(pieces);
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * BF16 -> float32 (the high half of each float's bits) while OR-ing `(exponent bits) + 0x80`:
 * bit 15 of that sum is set only for an all-ones exponent (Inf, NaN).
 */
export function decodeBf16Checked(bytes: Uint8Array, what = 'tensor'): CheckedRows {
  if (!HOST_IS_LITTLE_ENDIAN || (bytes.byteOffset & 1) !== 0 || (bytes.byteLength & 1) !== 0) {
    return { values: decodeToF32(bytes, 'BF16', what), finite: false };
  }
  const src = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 1);
  const values = new Float32Array(src.length);
  return { values, finite: decodeBf16Into(src, values) };
}

/**
 * Widens host-order BF16 `src` into `dst` (at least as long, and zero in the low halves of the
 * floats it receives: fresh, or only ever written by this function); true when all are finite.
 * Little-endian hosts only (the float's high half is its second 16-bit word).
 */
export function decodeBf16Into(src: Uint16Array, dst: Float32Array): boolean {
  const halves = new Uint16Array(dst.buffer, dst.byteOffset, dst.length * 2);
  let special = 0;
  for (let i = 0, k = 1, n = src.length; i < n; i++, k += 2) {
    const h = src[i]!;
    halves[k] = h;
    special |= (h & 0x7f80) + 0x80;
  }
  return (special & 0x8000) === 0;
}
