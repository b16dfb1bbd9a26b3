// A model folder opened the way the CLI opens it for the forward: its files, plan, forward model,
// f32 weights and tokenizer. Close `files` when done.
import { forwardModelFromPlan } from '../../src/core/forward/forward-model.ts';
import { loadTextTokenizer } from '../../src/core/forward/tokenize.ts';
import { planWeights } from '../../src/core/forward/weights.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import { nodeModelFiles } from '../../src/io/node-files.node.ts';

export async function openPlannedModel(folder: string) {
  const files = await nodeModelFiles(folder);
  const plan = await planModel(files);
  return { files, plan, model: forwardModelFromPlan(plan), weights: planWeights(plan, files), tokenizer: await loadTextTokenizer(files) };
}
