// Requantizing: a GGUF source already quantized (Q8_0, Q4_K, ...) quantized again to another
// type. llama-quantize refuses it unless --allow-requantize: each round loses accuracy, and the
// result is worse than quantizing the original weights once.
import { isQuantizedType, type GgmlTypeName } from '../ggml-type.ts';
import type { ModelPlan, TensorTypes } from '../model/plan-types.ts';

export interface Requantized {
  tensor: string;
  from: GgmlTypeName;
  to: GgmlTypeName;
}

/**
 * The tensors a GGUF source stores quantized that `types` would change (a tensor kept in its type
 * is copied, not requantized). A checkpoint's MXFP4 experts (gpt-oss) are the original weights,
 * not a requantization.
 */
export function requantizedTensors(plan: ModelPlan, types: TensorTypes): Requantized[] {
  const out: Requantized[] = [];
  for (const t of plan.tensors) {
    const stored = t.source.kind === 'gguf' ? t.source.dtype : undefined;
    const to = types.get(t.ggufName);
    if (stored && to && stored !== to && isQuantizedType(stored)) out.push({ tensor: t.ggufName, from: stored, to });
  }
  return out;
}

/** llama-quantize's refusal, with what to do about it. */
export function requantizeRefusal(first: Requantized, count: number): string {
  return `tensor "${first.tensor}": requantizing from type ${first.from} (to ${first.to}) is disabled` +
    `${count > 1 ? ` (and ${count - 1} more tensor${count > 2 ? 's' : ''})` : ''}: the source is already quantized, and quantizing ` +
    'it again loses more than quantizing the original weights would. Start from an F16/BF16/F32 file, or allow it (--allow-requantize).';
}
