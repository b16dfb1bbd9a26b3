// A GpuWeightSource over a GGUF file: each tensor's stored bytes as they are (F32 as values,
// every other type as bytes for the GPU dequantizer), so no CPU dequantization happens.
import type { ByteSource } from '../../core/bytes-io.ts';
import { ggmlTypeById, tensorBytes } from '../../core/ggml-type.ts';
import type { GgufInfo } from '../../core/gguf/read-gguf.ts';
import type { GpuWeightSource } from './gpu-weights.ts';

export function ggufGpuWeights(source: ByteSource, info: GgufInfo): GpuWeightSource {
  const byName = new Map(info.parsed.tensorInfos.map((t) => [t.name, t]));
  return async (tensor) => {
    const t = byName.get(tensor.ggufName);
    if (!t) throw new Error(`${source.name}: no tensor "${tensor.ggufName}"`);
    const type = ggmlTypeById(Number(t.dtype));
    if (!type) throw new Error(`${source.name}: tensor "${t.name}" has unknown ggml type id ${String(t.dtype)}`);
    const ne = t.shape.map((d) => Number(d));
    const bytes = await source.read(info.dataStart + Number(t.offset), tensorBytes(type, ne) as number);
    if (type !== 'F32') return { kind: 'quantized', type, bytes };
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    return { kind: 'f32', values: new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4) };
  };
}
