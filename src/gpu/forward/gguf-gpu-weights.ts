// A GpuWeightSource over a GGUF file: each tensor's stored bytes as they are (F32 as values,
// every other type as bytes for the GPU dequantizer), so no CPU dequantization happens; one
// expert's matrix of a stacked expert tensor reads only its bytes.
import type { ByteSource } from '../../core/bytes-io.ts';
import { ggmlTypeById, tensorBytes } from '../../core/ggml-type.ts';
import type { GgufInfo } from '../../core/gguf/read-gguf.ts';
import type { ForwardTensor } from '../../core/forward/forward-types.ts';
import { withGpuExpertMatrices, type GpuWeightSource, type GpuWeightValues } from './gpu-weights.ts';

export function ggufGpuWeights(source: ByteSource, info: GgufInfo): GpuWeightSource {
  const byName = new Map(info.parsed.tensorInfos.map((t) => [t.name, t]));
  /** Rows [firstRow, firstRow + rows) of the tensor as stored (all of them when firstRow is null). */
  const read = async (tensor: ForwardTensor, firstRow: number | null, rows: number): Promise<GpuWeightValues> => {
    const t = byName.get(tensor.ggufName);
    if (!t) throw new Error(`${source.name}: no tensor "${tensor.ggufName}"`);
    const type = ggmlTypeById(Number(t.dtype));
    if (!type) throw new Error(`${source.name}: tensor "${t.name}" has unknown ggml type id ${String(t.dtype)}`);
    const ne = t.shape.map((d) => Number(d));
    const rowBytes = tensorBytes(type, [ne[0]!]) as number;
    const offset = info.dataStart + Number(t.offset) + (firstRow ?? 0) * rowBytes;
    const bytes = await source.read(offset, firstRow === null ? (tensorBytes(type, ne) as number) : rows * rowBytes);
    if (type !== 'F32') return { kind: 'quantized', type, bytes };
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    return { kind: 'f32', values: new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4) };
  };
  return withGpuExpertMatrices((tensor) => read(tensor, null, 0), (tensor, expert) => {
    const experts = tensor.ne[2];
    if (tensor.ne.length !== 3 || experts === undefined || expert < 0 || expert >= experts) throw new Error(`${source.name}: tensor "${tensor.ggufName}" has no expert ${expert}`);
    return read(tensor, expert * tensor.ne[1]!, tensor.ne[1]!);
  });
}
