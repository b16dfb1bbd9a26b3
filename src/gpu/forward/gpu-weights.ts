// Weights on the GPU for one layer at a time, in the precision they are stored in. A tensor
// arrives either as float32 values (any WeightSource) or as its stored bytes (GGUF blocks,
// safetensors halves). Matrices in a format the matmul reads (weight-formats.ts) are uploaded as
// those bytes; matrices of any other type are uploaded as their bytes too and decoded to float32
// on the GPU by the exact dequantizer (GPU→GPU, nothing returns to the host). Norms and biases
// (1-D, a few KiB) are widened to float32, the only format their kernels read. Weights larger
// than one storage binding (an output head of 150k+ rows on a 1 GiB adapter) are split into row
// chunks that start on a word boundary.
import { GGML_TYPES, type GgmlTypeName } from '../../core/ggml-type.ts';
import { bf16ToF32Array, f16ToF32Array } from '../../core/float16.ts';
import type { ForwardTensor, WeightSource } from '../../core/forward/forward-types.ts';
import { expertMatricesOf } from '../../core/forward/weights.ts';
import type { GpuRowDequantizer } from '../row-dequantizer.ts';
import type { DeviceTurn } from '../device-queue.ts';
import { countWeightUpload, type GpuForwardStats } from './forward-stats.ts';
import { isMatmulWeightFormat, storedRowsBytes, type GpuWeightFormat } from './weight-formats.ts';

export type GpuWeightValues =
  | { kind: 'f32'; values: Float32Array }
  /** The stored bytes of any non-F32 type: F16/BF16 halves, quantized blocks (whole rows). */
  | { kind: 'quantized'; type: GgmlTypeName; bytes: Uint8Array };

/** Where the GPU forward gets each tensor from: f32 values, or stored bytes (kept as stored). */
export type GpuWeightSource = (tensor: ForwardTensor) => Promise<GpuWeightValues>;

/** One expert's matrix of a stacked expert tensor (core's ExpertMatrixSource, as the GPU takes it). */
export type GpuExpertMatrixSource = (tensor: ForwardTensor, expert: number) => Promise<GpuWeightValues>;

// The GPU sources that can read one expert's matrix alone say so here (see core/forward/weights.ts).
const gpuExpertMatrixSources = new WeakMap<GpuWeightSource, GpuExpertMatrixSource>();

/** `source`, able to read one expert's matrix through `experts`. */
export function withGpuExpertMatrices(source: GpuWeightSource, experts: GpuExpertMatrixSource | undefined): GpuWeightSource {
  if (experts) gpuExpertMatrixSources.set(source, experts);
  return source;
}

/** How `source` reads one expert's matrix, where it can. */
export function gpuExpertMatricesOf(source: GpuWeightSource): GpuExpertMatrixSource | undefined {
  return gpuExpertMatrixSources.get(source);
}

/** The f32 expert matrices of `source`, as the GPU takes them, where it can read them one at a time. */
export function f32GpuExpertMatrices(source: WeightSource): GpuExpertMatrixSource | undefined {
  const experts = expertMatricesOf(source);
  return experts && (async (tensor, expert) => ({ kind: 'f32', values: await experts(tensor, expert) }));
}

export function f32GpuWeights(source: WeightSource): GpuWeightSource {
  return withGpuExpertMatrices(async (tensor) => ({ kind: 'f32', values: await source(tensor) }), f32GpuExpertMatrices(source));
}

/** A weight resident on the GPU: ne[0] = cols, the rest flattened into rows, in row chunks. */
export interface GpuWeight {
  name: string;
  rows: number;
  cols: number;
  /** How the chunks hold the values (weight-read.wgsl decodes it in the matmul). */
  format: GpuWeightFormat;
  /** `bytes`: the meaningful bytes of the chunk (the buffer may be padded to a word). */
  chunks: { buffer: GPUBuffer; firstRow: number; rows: number; bytes: number }[];
  /**
   * A tensor of stacked matrices (MoE experts, ne[2] > 1): each matrix as a weight of its own,
   * whose chunks are the tensor's (a matrix never shares a chunk, so an expert's matmul reads
   * only its rows). Releasing the tensor releases them.
   */
  matrices?: GpuWeight[];
  /**
   * A fused tensor (Phi-3's attn_qkv, its gate|up ffn_up): each projection's rows as a weight of
   * its own, in order, whose chunks are the tensor's. Releasing the tensor releases them.
   */
  parts?: GpuWeight[];
}

export interface GpuWeightUploader {
  /** `partRows`: a fused tensor's rows per projection (core/forward/block-weights.ts fusedRows). */
  upload(tensor: ForwardTensor, source: GpuWeightSource, partRows?: readonly number[] | null): Promise<GpuWeight>;
}

/**
 * The uploader of one forward run, which holds the device queue's `turn`: its GPU dequantization
 * nests in that turn (waiting for the queue would deadlock). `stats`: where uploads are counted.
 */
export function createGpuWeightUploader(
  device: GPUDevice, dequantizer: GpuRowDequantizer | null, turn: DeviceTurn, stats?: GpuForwardStats, maxChunkBytes = Infinity,
): GpuWeightUploader {
  // maxChunkBytes: a lower cap than the device's (tests use it to exercise row chunking).
  const maxBytes = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize, maxChunkBytes);
  const { STORAGE, COPY_DST } = GPUBufferUsage;

  const rowsPerChunk = (name: string, bytesPerRow: number, rows: number) => weightRowsPerChunk(name, bytesPerRow, rows, maxBytes);

  function writeChunk(name: string, bytes: Uint8Array): GPUBuffer {
    const buffer = device.createBuffer({ label: `GpuForward.weight.${name}`, size: Math.max(4, Math.ceil(bytes.length / 4) * 4), usage: STORAGE | COPY_DST });
    // writeBuffer takes whole words; the kernels never read the padding.
    const padded = bytes.length % 4 === 0 ? bytes : (() => { const p = new Uint8Array(Math.ceil(bytes.length / 4) * 4); p.set(bytes); return p; })();
    device.queue.writeBuffer(buffer, 0, padded as Uint8Array<ArrayBuffer>);
    return buffer;
  }

  function uploadStored(tensor: ForwardTensor, format: GpuWeightFormat, bytes: Uint8Array, rows: number, cols: number): GpuWeight {
    const perRow = storedRowsBytes(format, 1, cols);
    if (bytes.length !== storedRowsBytes(format, rows, cols)) {
      throw new Error(`GpuForward: tensor "${tensor.ggufName}" has ${bytes.length} bytes, its shape [${tensor.ne.join(', ')}] as ${format} needs ${storedRowsBytes(format, rows, cols)}`);
    }
    const step = rowsPerChunk(tensor.ggufName, Math.ceil(perRow), rows);
    const chunks: GpuWeight['chunks'] = [];
    for (let firstRow = 0; firstRow < rows; firstRow += step) {
      const n = Math.min(step, rows - firstRow);
      // perRow * firstRow is whole: halves have step even or firstRow 0, blocks are whole per row.
      const part = bytes.subarray(perRow * firstRow, perRow * (firstRow + n));
      chunks.push({ buffer: writeChunk(tensor.ggufName, part), firstRow, rows: n, bytes: part.length });
    }
    countWeightUpload(stats, format, bytes.length);
    return { name: tensor.ggufName, rows, cols, format, chunks };
  }

  /** Stored bytes of a type the matmul does not read: uploaded per chunk, decoded to f32 on the GPU. */
  async function uploadDecoded(tensor: ForwardTensor, type: GgmlTypeName, bytes: Uint8Array, rows: number, cols: number): Promise<GpuWeight> {
    const decode = dequantizer?.dequantizeRowsOnDevice;
    if (!dequantizer?.supports(type) || !decode) throw new Error(`GpuForward: tensor "${tensor.ggufName}" is ${type}, which the GPU dequantizer does not decode`);
    const perRow = storedRowsBytes(type, 1, cols);
    if (bytes.length !== perRow * rows) throw new Error(`GpuForward: tensor "${tensor.ggufName}" has ${bytes.length} bytes, its shape [${tensor.ne.join(', ')}] as ${type} needs ${perRow * rows}`);
    const step = rowsPerChunk(tensor.ggufName, Math.max(cols * 4, perRow), rows);
    const chunks: GpuWeight['chunks'] = [];
    for (let firstRow = 0; firstRow < rows; firstRow += step) {
      const n = Math.min(step, rows - firstRow);
      const part = bytes.subarray(perRow * firstRow, perRow * (firstRow + n));
      const input = writeChunk(`${tensor.ggufName}.stored`, part);
      const output = device.createBuffer({ label: `GpuForward.weight.${tensor.ggufName}`, size: n * cols * 4, usage: STORAGE | COPY_DST });
      try {
        await decode.call(dequantizer, type, input, n, cols, output, turn);
      } catch (e) {
        output.destroy();
        throw e;
      } finally {
        input.destroy(); // the queue keeps it alive until the decode has run
      }
      chunks.push({ buffer: output, firstRow, rows: n, bytes: n * cols * 4 });
    }
    countWeightUpload(stats, type, bytes.length);
    if (stats) stats.weightBytesDecodedOnGpu += bytes.length;
    return { name: tensor.ggufName, rows, cols, format: 'F32', chunks };
  }

  /**
   * A tensor as consecutive row ranges (stacked matrices, or the projections of a fused tensor),
   * each uploaded as a weight of its own (no chunk straddles two), then joined.
   */
  async function uploadRowRanges(tensor: ForwardTensor, data: GpuWeightValues, rowCounts: readonly number[]): Promise<{ whole: GpuWeight; pieces: GpuWeight[] }> {
    const cols = tensor.ne[0]!;
    const pieces: GpuWeight[] = [];
    let first = 0;
    try {
      for (const [m, rows] of rowCounts.entries()) {
        const part: ForwardTensor = { ggufName: `${tensor.ggufName}[${m}]`, ne: [cols, rows], type: tensor.type };
        let values: GpuWeightValues;
        if (data.kind === 'f32') {
          values = { kind: 'f32', values: data.values.subarray(first * cols, (first + rows) * cols) };
        } else {
          const at = storedRowsBytes(data.type, first, cols);
          values = { kind: 'quantized', type: data.type, bytes: data.bytes.subarray(at, at + storedRowsBytes(data.type, rows, cols)) };
        }
        pieces.push(await uploadValues(part, values, rows, cols));
        first += rows;
      }
    } catch (e) {
      for (const w of pieces) releaseGpuWeight(w);
      throw e;
    }
    let row = 0;
    const chunks = pieces.flatMap((w) => { const at = row; row += w.rows; return w.chunks.map((c) => ({ ...c, firstRow: at + c.firstRow })); });
    return { whole: { name: tensor.ggufName, rows: row, cols, format: pieces[0]!.format, chunks }, pieces };
  }

  async function uploadValues(tensor: ForwardTensor, data: GpuWeightValues, rows: number, cols: number): Promise<GpuWeight> {
    if (data.kind === 'f32') {
      const { values } = data;
      if (values.length !== rows * cols) {
        throw new Error(`GpuForward: tensor "${tensor.ggufName}" has ${values.length} values, its shape [${tensor.ne.join(', ')}] needs ${rows * cols}`);
      }
      return uploadStored(tensor, 'F32', new Uint8Array(values.buffer, values.byteOffset, values.byteLength), rows, cols);
    }
    const { type, bytes } = data;
    if (tensor.ne.length === 1 && (type === 'F16' || type === 'BF16')) {
      // A norm or bias: their kernels read f32, and widening a few KiB on the host is free.
      if (bytes.length !== cols * 2) throw new Error(`GpuForward: tensor "${tensor.ggufName}" has ${bytes.length} bytes for ${cols} ${type} values`);
      const halves = new Uint16Array(bytes.slice().buffer);
      const values = type === 'F16' ? f16ToF32Array(halves) : bf16ToF32Array(halves);
      return uploadStored(tensor, 'F32', new Uint8Array(values.buffer), rows, cols);
    }
    if (tensor.ne.length > 1 && isMatmulWeightFormat(type)) return uploadStored(tensor, type, bytes, rows, cols);
    if (cols % GGML_TYPES[type].blockSize !== 0) throw new Error(`GpuForward: tensor "${tensor.ggufName}" rows of ${cols} are not whole ${type} blocks`);
    return uploadDecoded(tensor, type, bytes, rows, cols);
  }

  return {
    async upload(tensor, source, partRows) {
      const cols = tensor.ne[0]!;
      const rows = tensor.ne.slice(1).reduce((a, b) => a * b, 1);
      const data = await source(tensor);
      const matrices = tensor.ne.slice(2).reduce((a, b) => a * b, 1);
      if (matrices === 1 && !partRows) return uploadValues(tensor, data, rows, cols);
      const have = data.kind === 'f32' ? data.values.length : data.bytes.length;
      const want = data.kind === 'f32' ? rows * cols : storedRowsBytes(data.type, rows, cols);
      if (have !== want) throw new Error(`GpuForward: tensor "${tensor.ggufName}" has ${have} ${data.kind === 'f32' ? 'values' : 'bytes'}, its shape [${tensor.ne.join(', ')}] needs ${want}`);
      if (partRows) {
        if (matrices > 1 || partRows.reduce((a, b) => a + b, 0) !== rows) throw new Error(`GpuForward: tensor "${tensor.ggufName}" [${tensor.ne.join(', ')}] is not ${partRows.join(' + ')} rows`);
        const { whole, pieces } = await uploadRowRanges(tensor, data, partRows);
        return { ...whole, parts: pieces };
      }
      const { whole, pieces } = await uploadRowRanges(tensor, data, new Array<number>(matrices).fill(rows / matrices));
      return { ...whole, matrices: pieces };
    },
  };
}

/**
 * Rows per chunk of a weight whose rows take `bytesPerRow` on the GPU: all of them when they fit
 * `maxBytes`, else a multiple of 4 rows, so that every chunk of halves or blocks starts on a word.
 */
export function weightRowsPerChunk(name: string, bytesPerRow: number, rows: number, maxBytes: number): number {
  const fit = Math.floor(maxBytes / bytesPerRow);
  if (fit < 1) throw new Error(`GpuForward: a row of "${name}" (${bytesPerRow} bytes) exceeds the device's buffer limit of ${maxBytes} bytes`);
  return fit >= rows ? rows : Math.max(1, fit - (fit % 4));
}

/** Bytes a tensor of `type` takes on the GPU and how many bytes its rows take there (see upload). */
export function gpuWeightLayout(ne: readonly number[], type: GgmlTypeName): { uploaded: number; bytesPerRow: number; decodedOnGpu: boolean } {
  const cols = ne[0]!;
  const rows = ne.slice(1).reduce((a, b) => a * b, 1);
  if (ne.length === 1 && (type === 'F16' || type === 'BF16')) return { uploaded: cols * 4, bytesPerRow: cols * 4, decodedOnGpu: false };
  const perRow = storedRowsBytes(type, 1, cols);
  const decodedOnGpu = !(ne.length > 1 && isMatmulWeightFormat(type)) && type !== 'F32';
  return { uploaded: perRow * rows, bytesPerRow: decodedOnGpu ? Math.max(cols * 4, perRow) : Math.ceil(perRow), decodedOnGpu };
}

export function releaseGpuWeight(weight: GpuWeight | undefined): void {
  for (const chunk of weight?.chunks ?? []) chunk.buffer.destroy();
}
