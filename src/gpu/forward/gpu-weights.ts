// Weights on the GPU for one layer at a time. A tensor arrives either as float32 values (any
// WeightSource) or as its stored GGUF bytes; bytes are decoded by the GPU dequantizer, so a
// quantized model never needs a CPU dequantization. Weights larger than one storage binding
// (an output head of 150k+ rows on a 1 GiB adapter) are split into row chunks.
import type { GgmlTypeName } from '../../core/ggml-type.ts';
import type { ForwardTensor, WeightSource } from '../../core/forward/forward-types.ts';
import type { GpuRowDequantizer } from '../row-dequantizer.ts';
import type { DeviceTurn } from '../device-queue.ts';

export type GpuWeightValues =
  | { kind: 'f32'; values: Float32Array }
  | { kind: 'quantized'; type: GgmlTypeName; bytes: Uint8Array };

/** Where the GPU forward gets each tensor from: f32 values, or stored bytes to decode on the GPU. */
export type GpuWeightSource = (tensor: ForwardTensor) => Promise<GpuWeightValues>;

export function f32GpuWeights(source: WeightSource): GpuWeightSource {
  return async (tensor) => ({ kind: 'f32', values: await source(tensor) });
}

/** A weight resident on the GPU: ne[0] = cols, the rest flattened into rows, in row chunks. */
export interface GpuWeight {
  name: string;
  rows: number;
  cols: number;
  chunks: { buffer: GPUBuffer; firstRow: number; rows: number }[];
}

export interface GpuWeightUploader {
  upload(tensor: ForwardTensor, source: GpuWeightSource): Promise<GpuWeight>;
}

/**
 * The uploader of one forward run, which holds the device queue's `turn`: its GPU dequantization
 * nests in that turn (waiting for the queue would deadlock).
 */
export function createGpuWeightUploader(device: GPUDevice, dequantizer: GpuRowDequantizer | null, turn: DeviceTurn): GpuWeightUploader {
  const maxBytes = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);

  async function valuesOf(tensor: ForwardTensor, data: GpuWeightValues): Promise<Float32Array> {
    if (data.kind === 'f32') return data.values;
    if (!dequantizer?.supports(data.type)) throw new Error(`GpuForward: tensor "${tensor.ggufName}" is ${data.type}, which the GPU dequantizer does not decode`);
    // TODO(gpu-dequantizer): decode into a GPU buffer directly instead of through host memory.
    return dequantizer.dequantizeRows(data.type, data.bytes, tensor.ne[0]!, turn);
  }

  return {
    async upload(tensor, source) {
      const cols = tensor.ne[0]!;
      const rows = tensor.ne.slice(1).reduce((a, b) => a * b, 1);
      const values = await valuesOf(tensor, await source(tensor));
      if (values.length !== rows * cols) {
        throw new Error(`GpuForward: tensor "${tensor.ggufName}" has ${values.length} values, its shape [${tensor.ne.join(', ')}] needs ${rows * cols}`);
      }
      const rowsPerChunk = Math.max(1, Math.floor(maxBytes / (cols * 4)));
      const chunks: GpuWeight['chunks'] = [];
      for (let firstRow = 0; firstRow < rows; firstRow += rowsPerChunk) {
        const n = Math.min(rowsPerChunk, rows - firstRow);
        const buffer = device.createBuffer({ label: `GpuForward.weight.${tensor.ggufName}`, size: n * cols * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
        device.queue.writeBuffer(buffer, 0, values as Float32Array<ArrayBuffer>, firstRow * cols, n * cols);
        chunks.push({ buffer, firstRow, rows: n });
      }
      return { name: tensor.ggufName, rows, cols, chunks };
    },
  };
}

export function releaseGpuWeight(weight: GpuWeight | undefined): void {
  for (const chunk of weight?.chunks ?? []) chunk.buffer.destroy();
}
