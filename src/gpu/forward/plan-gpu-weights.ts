// A GpuWeightSource over a model plan's safetensors: BF16 and F16 matrices reach the GPU as their
// stored halves (half the bytes of float32, none of the host decoding), with the converter's
// row transforms applied to the raw rows (Q/K rope permutation, kept first rows) so that the
// values are those planWeights gives. Everything else (F32 sources, norms that get w + 1,
// generated tensors, experts stacked from per-expert tensors, and the tensors llama.cpp keeps F32:
// the MoE router, LFM2's convolution kernel, which its kernel reads as f32) comes as planWeights'
// float32 values. Experts the checkpoint stores in MXFP4 (gpt-oss) come as ggml MXFP4 blocks, an
// eighth of their float32 bytes, which the GPU decodes (GPU→GPU), whole or an expert at a time.
// A GGUF source's tensors come as stored in the file, whatever their type.
import type { ModelFiles } from '../../core/bytes-io.ts';
import type { ReplacedWeightSource } from '../../core/dynamic/backend-log-probs.ts';
import type { ForwardTensor, WeightSource } from '../../core/forward/forward-types.ts';
import { planWeights } from '../../core/forward/weights.ts';
import { readMxfp4Rows } from '../../core/model/mxfp4-source.ts';
import { fetchTensorRows, permuteQkRows, tensorRows } from '../../core/model/tensor-values.ts';
import type { ModelPlan } from '../../core/model/plan-types.ts';
import { f32GpuExpertMatrices, withGpuExpertMatrices, type GpuWeightSource, type GpuWeightValues } from './gpu-weights.ts';

export function planGpuWeights(plan: ModelPlan, files: ModelFiles, f32: WeightSource = planWeights(plan, files)): GpuWeightSource {
  const byName = new Map(plan.tensors.map((t) => [t.ggufName, t]));
  const f32Experts = f32GpuExpertMatrices(f32);
  /** The MXFP4 blocks of rows [first, first + count) of a tensor stored so, checked against the shape asked for. */
  const mxfp4Rows = async (tensor: ForwardTensor, first: number, count: number): Promise<GpuWeightValues | null> => {
    const t = byName.get(tensor.ggufName);
    if (t?.source.kind !== 'mxfp4' && t?.source.kind !== 'gguf') return null;
    if (t.ne.join() !== tensor.ne.join()) throw new Error(`${files.label}: tensor "${tensor.ggufName}" is planned as [${t.ne.join(', ')}], the model expects [${tensor.ne.join(', ')}]`);
    if (t.source.kind === 'mxfp4') return { kind: 'quantized', type: 'MXFP4', bytes: await readMxfp4Rows(t.source, files, first, count, t.hfName) };
    // A GGUF source's tensors go up as stored (the GPU forward reads or decodes every type).
    const { stored } = await fetchTensorRows(t, files, first, count);
    if (stored!.type !== 'F32') return { kind: 'quantized', type: stored!.type, bytes: stored!.bytes };
    const bytes = stored!.bytes.byteOffset % 4 === 0 ? stored!.bytes : stored!.bytes.slice();
    return { kind: 'f32', values: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) };
  };
  return withGpuExpertMatrices(async (tensor: ForwardTensor) => {
    const t = byName.get(tensor.ggufName);
    const stored = t && (await mxfp4Rows(tensor, 0, tensorRows(t)));
    if (stored) return stored;
    const src = t?.source;
    // Stacked experts take the float32 path (their bytes are spread over one tensor per expert).
    const half = src && src.kind === undefined && (src.dtype === 'BF16' || src.dtype === 'F16') ? src : null;
    // Only transforms that move whole rows apply to raw halves (the rest change values or their order within rows).
    const rowsOnly = t?.transform.kind === 'none' || t?.transform.kind === 'permute-qk' || t?.transform.kind === 'first-rows';
    if (!t || !half || tensor.ne.length < 2 || !t.quantizable || !rowsOnly) return { kind: 'f32', values: await f32(tensor) };
    const elements = tensor.ne.reduce((a, b) => a * b, 1);
    if (t.ne.length !== tensor.ne.length || t.ne.some((d, i) => d !== tensor.ne[i])) {
      throw new Error(`${files.label}: tensor "${tensor.ggufName}" is planned as [${t.ne.join(', ')}], the model expects [${tensor.ne.join(', ')}]`);
    }
    const file = files.open(half.file);
    if (!file) throw new Error(`${half.file}: missing from ${files.label} (needed for tensor "${t.hfName}")`);
    // 'first-rows' keeps a prefix of whole rows: reading the planned element count reads exactly it.
    let bytes = await file.read(half.offset, elements * 2);
    if (t.transform.kind === 'permute-qk') bytes = permuteQkRows(bytes, tensor.ne.slice(1).reduce((a, b) => a * b, 1), t.transform.heads, `${half.file}: tensor "${t.hfName}"`);
    return { kind: 'quantized', type: half.dtype as 'BF16' | 'F16', bytes };
    // One expert's matrix alone: its MXFP4 blocks where stored so, else float32 from the plan (stacked or fused sources alike).
  }, f32Experts && (async (tensor, expert) => (await mxfp4Rows(tensor, expert * tensor.ne[1]!, tensor.ne[1]!)) ?? f32Experts(tensor, expert)));
}

/**
 * The GpuWeightSource for a run given `weights`: `stored` when they are `base` itself, `stored`
 * except the substituted tensors when they are withReplaced over `base` (a sensitivity probe), and
 * undefined (the forward's f32 path) for any other source.
 */
export function storedUnlessReplaced(weights: WeightSource, base: WeightSource, stored: GpuWeightSource): GpuWeightSource | undefined {
  if (weights === base) return stored;
  const r = weights as Partial<ReplacedWeightSource>;
  if (r.base !== base || !r.replaced) return undefined;
  const replaced = r.replaced;
  return async (tensor) => {
    const values = replaced.get(tensor.ggufName);
    return values ? { kind: 'f32', values } : stored(tensor);
  };
}
