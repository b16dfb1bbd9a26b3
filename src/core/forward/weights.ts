// WeightSources: float32 tensor values by GGUF name, from the safetensors of a plan (the
// unquantized reference) or from a GGUF file (dequantized as ggml's dequantize_row_* does).
import type { ByteSource, ModelFiles } from '../bytes-io.ts';
import { ggmlTypeById, tensorBytes, type GgmlTypeName } from '../ggml-type.ts';
import { readGgufInfo, type GgufInfo } from '../gguf/read-gguf.ts';
import type { ModelPlan } from '../model/plan-types.ts';
import { readTensorF32, readTensorRowsF32 } from '../model/tensor-values.ts';
import { dequantizeRowsCpu } from '../quant/dequantize.ts';
import type { ExpertMatrixSource, ForwardTensor, WeightSource } from './forward-types.ts';

function checkShape(wanted: ForwardTensor, ne: readonly number[], where: string): void {
  const a = wanted.ne.reduce((x, y) => x * y, 1);
  const b = ne.reduce((x, y) => x * y, 1);
  if (a !== b || wanted.ne[0] !== ne[0]) {
    throw new Error(`${where}: tensor "${wanted.ggufName}" has shape [${ne.join(', ')}], the model expects [${wanted.ne.join(', ')}]`);
  }
}

// The sources that can read one expert's matrix alone (planWeights, ggufWeights) say so here;
// a wrapper around one (a substituted tensor, rounded weights) reads whole tensors, as it must.
const expertMatrixSources = new WeakMap<WeightSource, ExpertMatrixSource>();

/** How `weights` reads one expert's matrix, where it can; undefined for a source that reads whole tensors only. */
export function expertMatricesOf(weights: WeightSource): ExpertMatrixSource | undefined {
  return expertMatrixSources.get(weights);
}

/** Rows per expert and the expert count of a stacked expert tensor, checked against `expert`. */
function expertRows(tensor: ForwardTensor, expert: number, where: string): number {
  const experts = tensor.ne[2];
  if (tensor.ne.length !== 3 || experts === undefined || !Number.isInteger(expert) || expert < 0 || expert >= experts) {
    throw new Error(`${where}: tensor "${tensor.ggufName}" [${tensor.ne.join(', ')}] has no expert ${expert}`);
  }
  return tensor.ne[1]!;
}

export function planWeights(plan: ModelPlan, files: ModelFiles): WeightSource {
  const byName = new Map(plan.tensors.map((t) => [t.ggufName, t]));
  const planned = (tensor: ForwardTensor) => {
    const t = byName.get(tensor.ggufName);
    if (!t) throw new Error(`${files.label}: the model has no tensor "${tensor.ggufName}"`);
    checkShape(tensor, t.ne, files.label);
    return t;
  };
  const source: WeightSource = async (tensor) => readTensorF32(planned(tensor), files);
  expertMatrixSources.set(source, async (tensor, expert) => {
    const rows = expertRows(tensor, expert, files.label);
    return readTensorRowsF32(planned(tensor), files, expert * rows, rows);
  });
  return source;
}

/** A tensor's stored bytes in a GGUF (whole, or one expert's matrix), with its type and shape. */
export interface StoredGgufTensor {
  name: string;
  type: GgmlTypeName;
  ne: number[];
  bytes: Uint8Array;
}

/**
 * Reads tensors of a GGUF as stored: all of one, or (`expert`) one expert's matrix of a stacked
 * expert tensor, reading only its bytes. Shared by the CPU source (which dequantizes) and the
 * GPU's (which uploads the bytes).
 */
export function ggufTensorReader(source: ByteSource, info: Pick<GgufInfo, 'parsed' | 'dataStart'>): (tensor: ForwardTensor, expert?: number) => Promise<StoredGgufTensor> {
  const byName = new Map(info.parsed.tensorInfos.map((t) => [t.name, t]));
  return async (tensor, expert) => {
    const t = byName.get(tensor.ggufName);
    if (!t) throw new Error(`${source.name}: no tensor "${tensor.ggufName}"`);
    const ne = t.shape.map((d) => Number(d));
    const type = ggmlTypeById(Number(t.dtype));
    if (!type) throw new Error(`${source.name}: tensor "${t.name}" has unknown ggml type id ${String(t.dtype)}`);
    const start = info.dataStart + Number(t.offset);
    if (expert === undefined) return { name: t.name, type, ne, bytes: await source.read(start, tensorBytes(type, ne) as number) };
    const rows = expertRows(tensor, expert, source.name);
    const rowBytes = tensorBytes(type, [ne[0]!]) as number;
    return { name: t.name, type, ne, bytes: await source.read(start + expert * rows * rowBytes, rows * rowBytes) };
  };
}

/** Reads the GGUF header once; each tensor is read and dequantized when asked for. */
export async function ggufWeights(source: ByteSource, info?: GgufInfo): Promise<WeightSource> {
  const read = ggufTensorReader(source, info ?? (await readGgufInfo(source)));
  const dequantized = async (tensor: ForwardTensor, expert?: number) => {
    const t = await read(tensor, expert);
    checkShape(tensor, t.ne, source.name);
    try {
      return dequantizeRowsCpu(t.type, t.bytes, t.ne[0]!);
    } catch (e) {
      throw new Error(`${source.name}: tensor "${t.name}": ${(e as Error).message}`);
    }
  };
  const weights: WeightSource = (tensor) => dequantized(tensor);
  expertMatrixSources.set(weights, dequantized);
  return weights;
}
