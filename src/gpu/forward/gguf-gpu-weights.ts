// A GpuWeightSource over a GGUF file: each tensor's stored bytes as they are (F32 as values,
// every other type as bytes for the GPU dequantizer), so no CPU dequantization happens; one
// expert's matrix of a stacked expert tensor reads only its bytes.
import type { ByteSource } from '../../core/bytes-io.ts';
import type { ForwardTensor } from '../../core/forward/forward-types.ts';
import { ggufTensorReader } from '../../core/forward/weights.ts';
import type { GgufInfo } from '../../core/gguf/read-gguf.ts';
import { withGpuExpertMatrices, type GpuWeightSource, type GpuWeightValues } from './gpu-weights.ts';

export function ggufGpuWeights(source: ByteSource, info: GgufInfo): GpuWeightSource {
  const read = ggufTensorReader(source, info);
  const stored = async (tensor: ForwardTensor, expert?: number): Promise<GpuWeightValues> => {
    const { type, bytes } = await read(tensor, expert);
    if (type !== 'F32') return { kind: 'quantized', type, bytes };
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    return { kind: 'f32', values: new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4) };
  };
  return withGpuExpertMatrices((tensor) => stored(tensor), stored);
}
