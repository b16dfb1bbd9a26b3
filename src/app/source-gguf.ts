// The GGUF the studio's files are quantized from, when the model was opened from one: what the
// model card's llama-quantize commands start from (its weights are not the checkpoint's floats).
import type { ModelPlan, TensorTypes } from '../core/model/plan-types.ts';
import { requantizedTensors } from '../core/recipe/requantize.ts';
import type { ModelCardInput } from '../io/hub/model-card.ts';
import type { StudioState } from './store.ts';

/**
 * `exported`: the types of each file made from it; llama-quantize needs --allow-requantize where
 * one of them quantizes a stored quantized tensor again.
 */
export function sourceGgufOf(source: Pick<StudioState['source'], 'kind' | 'pin'>, plan: ModelPlan, exported: readonly TensorTypes[]): ModelCardInput['sourceGguf'] | undefined {
  const files = new Set<string>();
  for (const t of plan.tensors) if (t.source.kind === 'gguf') files.add(t.source.file);
  if (files.size === 0) return undefined;
  // A split set's parts are numbered: the first sorts first, and llama-quantize is given it.
  const first = [...files].sort()[0]!;
  const pin = source.kind === 'hub' ? source.pin : null;
  return {
    // A dropped file's folder is the user's; a Hub file keeps its path in the repository.
    file: pin ? first : first.split('/').pop()!,
    ...(files.size > 1 ? { parts: files.size } : {}),
    ...(pin ? { hubRepo: pin.repo, revision: pin.commit } : {}),
    requantize: exported.some((types) => requantizedTensors(plan, types).length > 0),
  };
}
