// A ForwardModel from a model plan (safetensors, before export) or from a GGUF file.
import { ggmlTypeById } from '../ggml-type.ts';
import type { GgufInfo } from '../gguf/read-gguf.ts';
import type { ModelPlan } from '../model/plan-types.ts';
import type { ForwardModel, ForwardTensor } from './forward-types.ts';
import { architectureTraits } from './architectures.ts';
import { lookupFromKvs, lookupFromRecord, readForwardHparams } from './hparams.ts';

function vocabOf(tensors: ReadonlyMap<string, ForwardTensor>, what: string): number {
  const embd = tensors.get('token_embd.weight');
  if (!embd || embd.ne.length < 2) throw new Error(`${what}: no 2-D token_embd.weight tensor`);
  return embd.ne[1]!;
}

/**
 * The tensors by the names the block reads: where an architecture's FFN pre-norm has another
 * name (gpt-oss's post_attention_norm), the block finds it as blk.N.ffn_norm.weight (the tensor
 * keeps its own name, which is what the weights are read by) and not as a post-norm.
 */
function blockView(model: ForwardModel): ForwardModel {
  const renamed = architectureTraits(model.hparams.architecture).ffnNormTensor;
  if (!renamed) return model;
  const tensors = new Map<string, ForwardTensor>();
  for (const [name, t] of model.tensors) {
    const m = /^blk\.(\d+)\.(.+)$/.exec(name);
    tensors.set(m && m[2] === renamed ? `blk.${m[1]}.ffn_norm.weight` : name, t);
  }
  return { ...model, tensors };
}

export function forwardModelFromPlan(plan: ModelPlan, what = plan.hfArchitecture): ForwardModel {
  const tensors = new Map(plan.tensors.map((t) => [t.ggufName, { ggufName: t.ggufName, ne: t.ne }]));
  return blockView({ hparams: readForwardHparams(lookupFromKvs(plan.metadata), vocabOf(tensors, what), what), tensors });
}

export function forwardModelFromGguf(info: GgufInfo, what: string): ForwardModel {
  const tensors = new Map<string, ForwardTensor>(
    info.parsed.tensorInfos.map((t) => [t.name, { ggufName: t.name, ne: t.shape.map((d) => Number(d)), type: ggmlTypeById(Number(t.dtype)) }]),
  );
  return blockView({ hparams: readForwardHparams(lookupFromRecord(info.parsed.metadata as Record<string, unknown>), vocabOf(tensors, what), what), tensors });
}

/** The final norm: output_norm.weight, or token_embd_norm.weight, llama.cpp's name for LFM2's. */
export function outputNormTensor(model: ForwardModel): ForwardTensor {
  const t = model.tensors.get('output_norm.weight') ?? model.tensors.get('token_embd_norm.weight');
  if (!t) throw new Error('forward: the model has no tensor "output_norm.weight" (nor LFM2\'s "token_embd_norm.weight")');
  return t;
}
