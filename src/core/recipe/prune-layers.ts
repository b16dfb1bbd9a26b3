// llama-quantize --prune-layers L0,L1,...: the listed blocks are left out and the rest renumbered
// in order (blk.5 becomes blk.4 when one block below it goes), block_count is set to the new
// count, and each kept tensor still takes the importance weights of its original name. The mix's
// rules still see the model's original layer count (llama.cpp reads it from the loaded model).
import type { ModelPlan } from '../model/plan-types.ts';

export interface PrunedPlan {
  plan: ModelPlan;
  /** New GGUF name -> the name it had (for the imatrix). */
  originalName: Map<string, string>;
  blockCount: number;
}

/** Parses "3,7,12": block numbers, at least one, each within the model. */
export function parsePruneLayers(text: string, layerCount: number): number[] {
  const parts = text.split(',');
  const layers = parts.map((p) => (/^\d+$/.test(p.trim()) ? Number(p.trim()) : NaN));
  const bad = parts.find((_, i) => !Number.isInteger(layers[i]) || layers[i]! >= layerCount);
  if (bad !== undefined) throw new Error(`--prune-layers ${text}: "${bad}" is not a block of this model (0 to ${layerCount - 1})`);
  const unique = [...new Set(layers)].sort((a, b) => a - b);
  if (unique.length >= layerCount) throw new Error(`--prune-layers ${text}: that prunes every block`);
  return unique;
}

export function pruneLayers(plan: ModelPlan, layers: readonly number[]): PrunedPlan {
  const pruned = new Set(layers);
  const newIndex = (layer: number) => layer - layers.filter((l) => l < layer).length;
  const originalName = new Map<string, string>();
  const tensors = plan.tensors.flatMap((t) => {
    if (t.layer === null) return [t];
    if (pruned.has(t.layer)) return [];
    const layer = newIndex(t.layer);
    const ggufName = t.ggufName.replace(/^blk\.\d+\./, `blk.${layer}.`);
    originalName.set(ggufName, t.ggufName);
    return [{ ...t, ggufName, layer }];
  });
  return { plan: { ...plan, tensors }, originalName, blockCount: plan.layerCount - pruned.size };
}
