// One transformer block's tensors by llama.cpp's GGUF names. Optional ones (biases, q/k norms,
// post norms) are simply absent in architectures that do not have them; the pre-norms are
// required unless the architecture has none (OLMo 2); the feed-forward is either dense
// (gate/up/down) or a mixture of experts (router and stacked experts), as the hparams say.
// Phi-3 fuses projections that read the same input: attn_qkv (q, k and v rows) instead of three,
// and an ffn_up of gate rows then up rows instead of ffn_gate and ffn_up (fusedRows says how).
// LFM2's convolution layers hold a short convolution (in_proj, kernel, out_proj) where the
// others hold attention.
import type { ForwardHparams, ForwardModel, WeightSource } from './forward-types.ts';

export interface BlockWeights {
  /** Absent where the architecture norms only after (OLMo 2). */
  attnNorm?: Float32Array;
  /** Absent where attn_qkv holds them. */
  q?: Float32Array; k?: Float32Array; v?: Float32Array;
  /** q, k and v rows in one tensor (Phi-3). */
  qkv?: Float32Array;
  o: Float32Array;
  qBias?: Float32Array; kBias?: Float32Array; vBias?: Float32Array; oBias?: Float32Array;
  qNorm?: Float32Array; kNorm?: Float32Array;
  /** One logit per head that joins each softmax without a value (gpt-oss's attention sinks). */
  sinks?: Float32Array;
  postAttnNorm?: Float32Array;
  ffnNorm?: Float32Array;
  /** The dense feed-forward (absent in a MoE layer); no gate where up holds gate rows then up rows (Phi-3). */
  gate?: Float32Array; up?: Float32Array; down?: Float32Array;
  /** A MoE layer: the router (ne [n_embd, experts]) and each projection of all experts stacked (ne[2] = experts). */
  router?: Float32Array; gateExps?: Float32Array; upExps?: Float32Array; downExps?: Float32Array;
  /** gpt-oss: the router's bias (one per expert) and each stacked projection's (ne [outputs, experts]). */
  routerBias?: Float32Array; gateExpsBias?: Float32Array; upExpsBias?: Float32Array; downExpsBias?: Float32Array;
  /** A MoE layer's shared expert, which every token goes through (Granite MoE shared); absent elsewhere. */
  gateShexp?: Float32Array; upShexp?: Float32Array; downShexp?: Float32Array;
  postFfnNorm?: Float32Array;
  /** A short-convolution layer (LFM2): in_proj (b, c and x rows), the kernel (ne [taps, n_embd]), out_proj. */
  convIn?: Float32Array; conv?: Float32Array; convOut?: Float32Array;
  /**
   * A Mamba-2 layer (Granite 4.0-h): in_proj, the convolution's kernel and bias, dt's bias, A, D,
   * the grouped norm, out_proj (mamba2.ts).
   */
  ssmIn?: Float32Array; ssmConv?: Float32Array; ssmConvBias?: Float32Array; ssmDtBias?: Float32Array;
  ssmA?: Float32Array; ssmD?: Float32Array; ssmNorm?: Float32Array; ssmOut?: Float32Array;
}

/**
 * `required`: 'pre-norm' for the norms before attention and the FFN, which OLMo 2 has not;
 * 'dense' and 'moe' for the two kinds of feed-forward; 'unfused' for what a fused tensor may hold;
 * 'conv' for a short-convolution layer's tensors.
 */
type Requirement = boolean | 'pre-norm' | 'dense' | 'moe' | 'unfused' | 'conv' | 'mamba2';
const SUFFIXES: Record<keyof BlockWeights, { name: string; required: Requirement }> = {
  attnNorm: { name: 'attn_norm.weight', required: 'pre-norm' },
  q: { name: 'attn_q.weight', required: 'unfused' },
  k: { name: 'attn_k.weight', required: 'unfused' },
  v: { name: 'attn_v.weight', required: 'unfused' },
  qkv: { name: 'attn_qkv.weight', required: false },
  o: { name: 'attn_output.weight', required: true },
  qBias: { name: 'attn_q.bias', required: false },
  kBias: { name: 'attn_k.bias', required: false },
  vBias: { name: 'attn_v.bias', required: false },
  oBias: { name: 'attn_output.bias', required: false },
  qNorm: { name: 'attn_q_norm.weight', required: false },
  kNorm: { name: 'attn_k_norm.weight', required: false },
  sinks: { name: 'attn_sinks.weight', required: false },
  postAttnNorm: { name: 'post_attention_norm.weight', required: false },
  ffnNorm: { name: 'ffn_norm.weight', required: 'pre-norm' },
  gate: { name: 'ffn_gate.weight', required: 'unfused' },
  up: { name: 'ffn_up.weight', required: 'dense' },
  down: { name: 'ffn_down.weight', required: 'dense' },
  router: { name: 'ffn_gate_inp.weight', required: 'moe' },
  gateExps: { name: 'ffn_gate_exps.weight', required: 'moe' },
  upExps: { name: 'ffn_up_exps.weight', required: 'moe' },
  downExps: { name: 'ffn_down_exps.weight', required: 'moe' },
  routerBias: { name: 'ffn_gate_inp.bias', required: false },
  gateExpsBias: { name: 'ffn_gate_exps.bias', required: false },
  upExpsBias: { name: 'ffn_up_exps.bias', required: false },
  downExpsBias: { name: 'ffn_down_exps.bias', required: false },
  gateShexp: { name: 'ffn_gate_shexp.weight', required: false },
  upShexp: { name: 'ffn_up_shexp.weight', required: false },
  downShexp: { name: 'ffn_down_shexp.weight', required: false },
  postFfnNorm: { name: 'post_ffw_norm.weight', required: false },
  convIn: { name: 'shortconv.in_proj.weight', required: 'conv' },
  conv: { name: 'shortconv.conv.weight', required: 'conv' },
  convOut: { name: 'shortconv.out_proj.weight', required: 'conv' },
  ssmIn: { name: 'ssm_in.weight', required: 'mamba2' },
  ssmConv: { name: 'ssm_conv1d.weight', required: 'mamba2' },
  ssmConvBias: { name: 'ssm_conv1d.bias', required: false },
  ssmDtBias: { name: 'ssm_dt.bias', required: 'mamba2' },
  ssmA: { name: 'ssm_a', required: 'mamba2' },
  ssmD: { name: 'ssm_d', required: 'mamba2' },
  ssmNorm: { name: 'ssm_norm.weight', required: 'mamba2' },
  ssmOut: { name: 'ssm_out.weight', required: 'mamba2' },
};

/** The fields only a Mamba-2 layer has. */
const MAMBA2_FIELDS: ReadonlySet<keyof BlockWeights> = new Set(['ssmIn', 'ssmConv', 'ssmConvBias', 'ssmDtBias', 'ssmA', 'ssmD', 'ssmNorm', 'ssmOut']);

/** What a short-convolution layer has instead (LFM2): the attention's tensors. */
const ATTENTION_FIELDS: ReadonlySet<keyof BlockWeights> = new Set(['q', 'k', 'v', 'qkv', 'o', 'qBias', 'kBias', 'vBias', 'oBias', 'qNorm', 'kNorm', 'sinks']);

/** Whether `layer` mixes tokens by short convolution rather than attention. */
export const isConvLayer = (hp: ForwardHparams, layer: number): boolean => hp.shortConv?.layers[layer] ?? false;

/** Whether `layer` mixes tokens by a Mamba-2 mixer rather than attention. */
export const isMamba2Layer = (hp: ForwardHparams, layer: number): boolean => hp.ssm?.layers[layer] ?? false;

export const blockTensorName = (layer: number, field: keyof BlockWeights): string => `blk.${layer}.${SUFFIXES[field].name}`;

/** The output rows of q, k and v: the parts of attn_qkv, in that order. */
export function qkvRows(hp: ForwardHparams): number[] {
  return [hp.headCount * hp.headDimK, hp.headCountKv * hp.headDimK, hp.headCountKv * hp.headDimV];
}

/**
 * The rows of each projection a fused tensor of `layer` holds, in order: attn_qkv's q, k and v;
 * a dense layer's ffn_up without an ffn_gate (Phi-3): its gate rows, then its up rows. Null for
 * a tensor that holds one projection.
 */
export function fusedRows(model: ForwardModel, layer: number, field: keyof BlockWeights): number[] | null {
  const hp = model.hparams;
  if (field === 'qkv') return qkvRows(hp);
  if (field === 'up' && hp.experts === null && !model.tensors.has(blockTensorName(layer, 'gate'))) {
    const rows = model.tensors.get(blockTensorName(layer, 'up'))?.ne[1];
    return rows === undefined ? null : [rows / 2, rows / 2];
  }
  return null;
}

/** A fused tensor's parts (row-major, `cols` per row): views of `partRows[i]` rows each, in order. */
export function fusedParts(values: Float32Array, cols: number, partRows: readonly number[]): Float32Array[] {
  const total = partRows.reduce((a, b) => a + b, 0);
  if (values.length !== total * cols) throw new Error(`forward: a fused tensor of ${values.length} values is not ${partRows.join(' + ')} rows of ${cols}`);
  let row = 0;
  return partRows.map((n) => values.subarray(row * cols, (row += n) * cols));
}

/**
 * The block's tensors. `lazyExperts`: a MoE layer's stacked expert tensors are left out, for a
 * forward that reads them expert by expert (BlockContext.experts).
 */
export async function loadBlockWeights(model: ForwardModel, weights: WeightSource, layer: number, options: { lazyExperts?: boolean } = {}): Promise<BlockWeights> {
  const out: Partial<Record<keyof BlockWeights, Float32Array>> = {};
  const moe = model.hparams.experts !== null;
  const conv = isConvLayer(model.hparams, layer);
  const mamba2 = isMamba2Layer(model.hparams, layer);
  const has = (field: keyof BlockWeights) => model.tensors.has(blockTensorName(layer, field));
  // q, k and v may come fused in attn_qkv, a dense layer's gate in ffn_up.
  const fusedInto = (field: keyof BlockWeights): boolean => (field === 'gate' ? !moe && has('up') : has('qkv'));
  await Promise.all(
    (Object.keys(SUFFIXES) as (keyof BlockWeights)[]).map(async (field) => {
      const { required } = SUFFIXES[field];
      // A MoE layer's feed-forward is its experts: a dense one, if present, is not this forward's.
      if (((required === 'dense' || field === 'gate') && moe) || (required === 'moe' && !moe)) return;
      if ((required === 'conv' && !conv) || ((conv || mamba2) && ATTENTION_FIELDS.has(field))) return;
      if (MAMBA2_FIELDS.has(field) && !mamba2) return;
      if (options.lazyExperts && required === 'moe' && field !== 'router') {
        if (!has(field)) throw new Error(`forward: the model has no tensor "${blockTensorName(layer, field)}"`);
        return;
      }
      const tensor = model.tensors.get(blockTensorName(layer, field));
      if (!tensor) {
        const missing = required === true || required === 'dense' || required === 'moe' || required === 'conv' || required === 'mamba2' || (required === 'pre-norm' && model.hparams.preNorms)
          || (required === 'unfused' && !fusedInto(field));
        if (missing) throw new Error(`forward: the model has no tensor "${blockTensorName(layer, field)}"`);
        return;
      }
      out[field] = await weights(tensor);
    }),
  );
  return out as BlockWeights;
}
