// One transformer block's tensors by llama.cpp's GGUF names. Optional ones (biases, q/k norms,
// post norms) are simply absent in architectures that do not have them; the pre-norms are
// required unless the architecture has none (OLMo 2); the feed-forward is either dense
// (gate/up/down) or a mixture of experts (router and stacked experts), as the hparams say.
import type { ForwardModel, WeightSource } from './forward-types.ts';

export interface BlockWeights {
  /** Absent where the architecture norms only after (OLMo 2). */
  attnNorm?: Float32Array;
  q: Float32Array; k: Float32Array; v: Float32Array; o: Float32Array;
  qBias?: Float32Array; kBias?: Float32Array; vBias?: Float32Array; oBias?: Float32Array;
  qNorm?: Float32Array; kNorm?: Float32Array;
  postAttnNorm?: Float32Array;
  ffnNorm?: Float32Array;
  /** The dense feed-forward (absent in a MoE layer). */
  gate?: Float32Array; up?: Float32Array; down?: Float32Array;
  /** A MoE layer: the router (ne [n_embd, experts]) and each projection of all experts stacked (ne[2] = experts). */
  router?: Float32Array; gateExps?: Float32Array; upExps?: Float32Array; downExps?: Float32Array;
  postFfnNorm?: Float32Array;
}

/**
 * `required`: 'pre-norm' for the norms before attention and the FFN, which OLMo 2 has not;
 * 'dense' and 'moe' for the two kinds of feed-forward.
 */
const SUFFIXES: Record<keyof BlockWeights, { name: string; required: boolean | 'pre-norm' | 'dense' | 'moe' }> = {
  attnNorm: { name: 'attn_norm.weight', required: 'pre-norm' },
  q: { name: 'attn_q.weight', required: true },
  k: { name: 'attn_k.weight', required: true },
  v: { name: 'attn_v.weight', required: true },
  o: { name: 'attn_output.weight', required: true },
  qBias: { name: 'attn_q.bias', required: false },
  kBias: { name: 'attn_k.bias', required: false },
  vBias: { name: 'attn_v.bias', required: false },
  oBias: { name: 'attn_output.bias', required: false },
  qNorm: { name: 'attn_q_norm.weight', required: false },
  kNorm: { name: 'attn_k_norm.weight', required: false },
  postAttnNorm: { name: 'post_attention_norm.weight', required: false },
  ffnNorm: { name: 'ffn_norm.weight', required: 'pre-norm' },
  gate: { name: 'ffn_gate.weight', required: 'dense' },
  up: { name: 'ffn_up.weight', required: 'dense' },
  down: { name: 'ffn_down.weight', required: 'dense' },
  router: { name: 'ffn_gate_inp.weight', required: 'moe' },
  gateExps: { name: 'ffn_gate_exps.weight', required: 'moe' },
  upExps: { name: 'ffn_up_exps.weight', required: 'moe' },
  downExps: { name: 'ffn_down_exps.weight', required: 'moe' },
  postFfnNorm: { name: 'post_ffw_norm.weight', required: false },
};

export const blockTensorName = (layer: number, field: keyof BlockWeights): string => `blk.${layer}.${SUFFIXES[field].name}`;

export async function loadBlockWeights(model: ForwardModel, weights: WeightSource, layer: number): Promise<BlockWeights> {
  const out: Partial<Record<keyof BlockWeights, Float32Array>> = {};
  await Promise.all(
    (Object.keys(SUFFIXES) as (keyof BlockWeights)[]).map(async (field) => {
      const { required } = SUFFIXES[field];
      const moe = model.hparams.experts !== null;
      // A MoE layer's feed-forward is its experts: a dense one, if present, is not this forward's.
      if ((required === 'dense' && moe) || (required === 'moe' && !moe)) return;
      const tensor = model.tensors.get(blockTensorName(layer, field));
      if (!tensor) {
        if (required === true || required === 'dense' || required === 'moe' || (required === 'pre-norm' && model.hparams.preNorms)) throw new Error(`forward: the model has no tensor "${blockTensorName(layer, field)}"`);
        return;
      }
      out[field] = await weights(tensor);
    }),
  );
  return out as BlockWeights;
}
