// WeightSources: float32 tensor values by GGUF name, from the safetensors of a plan (the
// unquantized reference) or from a GGUF file (dequantized as ggml's dequantize_row_* does).
import type { ByteSource, ModelFiles } from '../bytes-io.ts';
import { ggmlTypeById, tensorBytes } from '../ggml-type.ts';
import { readGgufInfo, type GgufInfo } from '../gguf/read-gguf.ts';
import type { ModelPlan } from '../model/plan-types.ts';
import { readTensorF32 } from '../model/tensor-values.ts';
import { dequantizeRowsCpu } from '../quant/dequantize.ts';
import type { ForwardTensor, WeightSource } from './forward-types.ts';

function checkShape(wanted: ForwardTensor, ne: readonly number[], where: string): void {
  const a = wanted.ne.reduce((x, y) => x * y, 1);
  const b = ne.reduce((x, y) => x * y, 1);
  if (a !== b || wanted.ne[0] !== ne[0]) {
    throw new Error(`${where}: tensor "${wanted.ggufName}" has shape [${ne.join(', ')}], the model expects [${wanted.ne.join(', ')}]`);
  }
}

export function planWeights(plan: ModelPlan, files: ModelFiles): WeightSource {
  const byName = new Map(plan.tensors.map((t) => [t.ggufName, t]));
  return async (tensor) => {
    const planned = byName.get(tensor.ggufName);
    if (!planned) throw new Error(`${files.label}: the model has no tensor "${tensor.ggufName}"`);
    checkShape(tensor, planned.ne, files.label);
    return readTensorF32(planned, files);
  };
}

/** Reads the GGUF header once; each tensor is read and dequantized when asked for. */
export async function ggufWeights(source: ByteSource, info?: GgufInfo): Promise<WeightSource> {
  const { parsed, dataStart } = info ?? (await readGgufInfo(source));
  const byName = new Map(parsed.tensorInfos.map((t) => [t.name, t]));
  return async (tensor) => {
    const t = byName.get(tensor.ggufName);
    if (!t) throw new Error(`${source.name}: no tensor "${tensor.ggufName}"`);
    const ne = t.shape.map((d) => Number(d));
    checkShape(tensor, ne, source.name);
    const type = ggmlTypeById(Number(t.dtype));
    if (!type) throw new Error(`${source.name}: tensor "${t.name}" has unknown ggml type id ${String(t.dtype)}`);
    const bytes = await source.read(dataStart + Number(t.offset), tensorBytes(type, ne) as number);
    try {
      return dequantizeRowsCpu(type, bytes, ne[0]!);
    } catch (e) {
      throw new Error(`${source.name}: tensor "${t.name}": ${(e as Error).message}`);
    }
  };
}
