// One planned tensor's values as float32, in GGUF layout: read just its byte range (or take the
// generated values), decode, apply the converter's transform.
import type { ModelFiles } from '../bytes-io.ts';
import { roundThroughF16 } from '../float16.ts';
import { decodeToF32, type F32 } from '../safetensors/decode.ts';
import { SAFETENSORS_DTYPE_BYTES } from '../safetensors/dtype.ts';
import type { PlannedTensor } from './plan-types.ts';

export async function readTensorF32(t: PlannedTensor, files: ModelFiles): Promise<F32> {
  if (t.source.kind === 'generated') return new Float32Array(t.source.values);
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
  }
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
  const rows = shape[0] ?? 1;
  const cols = values.length / rows;
  if (rows % (2 * heads) !== 0 || !Number.isInteger(cols)) {
    throw new Error(`${what}: ${rows} rows cannot be split into ${heads} heads of rotary pairs`);
  }
  const half = rows / heads / 2;
  const out = new Float32Array(values.length);
  for (let h = 0; h < heads; h++) {
    for (let part = 0; part < 2; part++) {
      for (let i = 0; i < half; i++) {
        const from = (h * 2 + part) * half + i;
        const to = h * 2 * half + i * 2 + part;
        out.set(values.subarray(from * cols, (from + 1) * cols), to * cols);
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
  return t.transform.kind === 'permute-qk' ? tensorRows(t) / t.transform.heads : 1;
}

/**
 * Rows [firstRow, firstRow + rowCount) of the tensor in GGUF layout, reading only their bytes:
 * what lets an export stream a tensor larger than memory should hold.
 */
export async function readTensorRowsF32(t: PlannedTensor, files: ModelFiles, firstRow: number, rowCount: number): Promise<F32> {
  const rows = tensorRows(t);
  const cols = t.ne[0]!;
  const align = tensorRowAlignment(t);
  if (firstRow < 0 || rowCount < 0 || firstRow + rowCount > rows || firstRow % align !== 0 || (rowCount % align !== 0 && firstRow + rowCount !== rows)) {
    throw new Error(`tensor "${t.ggufName}": cannot read rows [${firstRow}, ${firstRow + rowCount}) of ${rows} (aligned to ${align})`);
  }
  if (t.source.kind === 'generated') return new Float32Array(t.source.values.subarray(firstRow * cols, (firstRow + rowCount) * cols));
  const source = files.open(t.source.file);
  if (!source) throw new Error(`${t.source.file}: missing from ${files.label} (needed for tensor "${t.hfName}")`);
  const what = `${t.source.file}: tensor "${t.hfName}"`;
  const sourceRows = t.source.shape.length > 1 ? t.source.shape[0]! : 1;
  const rowBytes = t.source.byteLength / sourceRows;
  if (!Number.isInteger(rowBytes)) throw new Error(`${what}: byte length ${t.source.byteLength} is not a whole number of rows`);
  // Every transform keeps rows within the range read: first-rows reads a prefix, permute-qk whole heads.
  const values = decodeToF32(await source.read(t.source.offset + firstRow * rowBytes, rowCount * rowBytes), t.source.dtype, what);
  switch (t.transform.kind) {
    case 'none':
    case 'first-rows':
      return values;
    case 'permute-qk':
      return permuteQk(values, [rowCount, cols], (rowCount / rows) * t.transform.heads, t.hfName);
    case 'add-one':
      return addOne(values, t.source.dtype === 'F16');
  }
}
