// The Hugging Face tensor names and shapes of a decoder-only checkpoint, per family, in the order the
// generators write them (embedding, each layer, final norm, lm_head): one list for the tiny
// random-weight models (generate-model.ts, generate-arch-model.ts) and the real-size ones
// (test/size-models/).

export interface DecoderDims {
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  /** Whether the checkpoint stores lm_head.weight (untied models do; some tied ones store it anyway). */
  lmHead: boolean;
}

/** What a family's layer holds beyond Llama's. */
export interface DecoderFeatures {
  /** Phi-3: one qkv_proj and one gate_up_proj. */
  fused?: boolean;
  /** Qwen2: q/k/v biases. */
  qkvBias?: boolean;
  /** Qwen3, Gemma 3: per-head q_norm and k_norm; 'full' (OLMo 2): over the whole projection. */
  qkNorm?: boolean | 'full';
  /** OLMo 2: no input_layernorm; post_attention_layernorm and post_feedforward_layernorm after. */
  postNormsOnly?: boolean;
  /** Gemma 2 and 3: norms before and after the feed-forward too. */
  sandwichNorms?: boolean;
  /** Qwen3-MoE, OLMoE: a router (mlp.gate) and `count` experts of width `ff` instead of the dense MLP. */
  experts?: { count: number; ff: number };
  /** Granite MoE: the experts as 3-D tensors (block_sparse_moe: router, input_linear with gate and up fused, output_linear). */
  fusedExperts?: boolean;
  /** Granite 4.0: the dense FFN as shared_mlp (input_linear with gate and up fused, output_linear); with experts (GraniteMoeShared), a shared expert. */
  sharedMlp?: boolean;
  /**
   * gpt-oss: q/k/v/o biases and a sink per head; a router with a bias and `count` experts of width
   * `ff` in MXFP4 (gate_up_proj and down_proj as `_blocks` and `_scales`, U8) with their biases.
   */
  gptOss?: { count: number; ff: number; unquantized?: boolean };
  /**
   * Granite 4.0 hybrid: in the layers `layers` marks, a Mamba-2 mixer (mamba.in_proj, conv1d with
   * bias, dt_bias, A_log, D, a norm over the inner size, out_proj; inner size 2·hidden) instead of attention.
   */
  mamba2?: { layers: readonly boolean[]; convKernel: number; stateSize: number; groups: number; heads: number };
  /**
   * LFM2: LFM2's names (operator_norm, feed_forward.w1/w3/w2, ffn_norm, embedding_norm), per-head
   * q/k layernorms in attention layers, and a short convolution of kernel `cache` instead of
   * attention in the layers `convLayers` marks.
   */
  lfm2?: { convLayers: readonly boolean[]; cache: number };
}

export type TensorShapes = [string, number[]][];

export function decoderTensors(d: DecoderDims, f: DecoderFeatures = {}): TensorShapes {
  const q = d.heads * d.headDim;
  const kv = d.kvHeads * d.headDim;
  const H = d.hidden;
  const list: TensorShapes = [['model.embed_tokens.weight', [d.vocab, H]]];
  if (f.lfm2) return lfm2Tensors(d, f.lfm2, list);
  if (f.gptOss) return gptOssTensors(d, f.gptOss, list);
  for (let i = 0; i < d.layers; i++) {
    const p = `model.layers.${i}`;
    if (f.mamba2?.layers[i]) {
      const { convKernel, stateSize, groups, heads } = f.mamba2;
      const inner = 2 * H;
      const channels = inner + 2 * groups * stateSize;
      list.push(
        [`${p}.input_layernorm.weight`, [H]], [`${p}.mamba.in_proj.weight`, [2 * inner + 2 * groups * stateSize + heads, H]],
        [`${p}.mamba.conv1d.weight`, [channels, 1, convKernel]], [`${p}.mamba.conv1d.bias`, [channels]], [`${p}.mamba.dt_bias`, [heads]],
        [`${p}.mamba.A_log`, [heads]], [`${p}.mamba.D`, [heads]], [`${p}.mamba.norm.weight`, [inner]], [`${p}.mamba.out_proj.weight`, [H, inner]],
        [`${p}.post_attention_layernorm.weight`, [H]],
      );
      if (f.experts && f.fusedExperts) {
        const { count, ff } = f.experts;
        list.push(
          [`${p}.block_sparse_moe.input_linear.weight`, [count, 2 * ff, H]], [`${p}.block_sparse_moe.output_linear.weight`, [count, H, ff]],
          [`${p}.block_sparse_moe.router.layer.weight`, [count, H]],
        );
      }
      list.push([`${p}.shared_mlp.input_linear.weight`, [2 * d.intermediate, H]], [`${p}.shared_mlp.output_linear.weight`, [H, d.intermediate]]);
      continue;
    }
    if (!f.postNormsOnly) list.push([`${p}.input_layernorm.weight`, [H]]);
    if (f.fused) list.push([`${p}.self_attn.qkv_proj.weight`, [q + 2 * kv, H]]);
    else list.push([`${p}.self_attn.q_proj.weight`, [q, H]], [`${p}.self_attn.k_proj.weight`, [kv, H]], [`${p}.self_attn.v_proj.weight`, [kv, H]]);
    if (f.qkvBias) list.push([`${p}.self_attn.q_proj.bias`, [q]], [`${p}.self_attn.k_proj.bias`, [kv]], [`${p}.self_attn.v_proj.bias`, [kv]]);
    if (f.qkNorm === 'full') list.push([`${p}.self_attn.q_norm.weight`, [q]], [`${p}.self_attn.k_norm.weight`, [kv]]);
    else if (f.qkNorm) list.push([`${p}.self_attn.q_norm.weight`, [d.headDim]], [`${p}.self_attn.k_norm.weight`, [d.headDim]]);
    list.push([`${p}.self_attn.o_proj.weight`, [H, q]], [`${p}.post_attention_layernorm.weight`, [H]]);
    if (f.sandwichNorms) list.push([`${p}.pre_feedforward_layernorm.weight`, [H]], [`${p}.post_feedforward_layernorm.weight`, [H]]);
    if (f.postNormsOnly) list.push([`${p}.post_feedforward_layernorm.weight`, [H]]);
    if (f.experts && f.fusedExperts) {
      const { count, ff } = f.experts;
      list.push(
        [`${p}.block_sparse_moe.input_linear.weight`, [count, 2 * ff, H]], [`${p}.block_sparse_moe.output_linear.weight`, [count, H, ff]],
        [`${p}.block_sparse_moe.router.layer.weight`, [count, H]],
      );
      // GraniteMoeShared: a shared expert of width `intermediate` beside the routed ones.
      if (f.sharedMlp) list.push([`${p}.shared_mlp.input_linear.weight`, [2 * d.intermediate, H]], [`${p}.shared_mlp.output_linear.weight`, [H, d.intermediate]]);
      continue;
    }
    if (f.experts) {
      list.push([`${p}.mlp.gate.weight`, [f.experts.count, H]]);
      for (let e = 0; e < f.experts.count; e++) {
        const x = `${p}.mlp.experts.${e}`;
        list.push([`${x}.gate_proj.weight`, [f.experts.ff, H]], [`${x}.up_proj.weight`, [f.experts.ff, H]], [`${x}.down_proj.weight`, [H, f.experts.ff]]);
      }
      continue;
    }
    if (f.sharedMlp) {
      list.push([`${p}.shared_mlp.input_linear.weight`, [2 * d.intermediate, H]], [`${p}.shared_mlp.output_linear.weight`, [H, d.intermediate]]);
      continue;
    }
    if (f.fused) list.push([`${p}.mlp.gate_up_proj.weight`, [2 * d.intermediate, H]]);
    else list.push([`${p}.mlp.gate_proj.weight`, [d.intermediate, H]], [`${p}.mlp.up_proj.weight`, [d.intermediate, H]]);
    list.push([`${p}.mlp.down_proj.weight`, [H, d.intermediate]]);
  }
  list.push(['model.norm.weight', [H]]);
  if (d.lmHead) list.push(['lm_head.weight', [d.vocab, H]]);
  return list;
}

function lfm2Tensors(d: DecoderDims, lfm2: NonNullable<DecoderFeatures['lfm2']>, list: TensorShapes): TensorShapes {
  const H = d.hidden;
  for (let i = 0; i < d.layers; i++) {
    const p = `model.layers.${i}`;
    list.push([`${p}.operator_norm.weight`, [H]]);
    if (lfm2.convLayers[i]) {
      list.push([`${p}.conv.conv.weight`, [H, 1, lfm2.cache]], [`${p}.conv.in_proj.weight`, [3 * H, H]], [`${p}.conv.out_proj.weight`, [H, H]]);
    } else {
      list.push(
        [`${p}.self_attn.q_proj.weight`, [d.heads * d.headDim, H]], [`${p}.self_attn.k_proj.weight`, [d.kvHeads * d.headDim, H]],
        [`${p}.self_attn.v_proj.weight`, [d.kvHeads * d.headDim, H]], [`${p}.self_attn.q_layernorm.weight`, [d.headDim]],
        [`${p}.self_attn.k_layernorm.weight`, [d.headDim]], [`${p}.self_attn.out_proj.weight`, [H, d.heads * d.headDim]],
      );
    }
    list.push([`${p}.ffn_norm.weight`, [H]], [`${p}.feed_forward.w1.weight`, [d.intermediate, H]], [`${p}.feed_forward.w3.weight`, [d.intermediate, H]], [`${p}.feed_forward.w2.weight`, [H, d.intermediate]]);
  }
  list.push(['model.embedding_norm.weight', [H]]);
  if (d.lmHead) list.push(['lm_head.weight', [d.vocab, H]]);
  return list;
}

function gptOssTensors(d: DecoderDims, experts: { count: number; ff: number; unquantized?: boolean }, list: TensorShapes): TensorShapes {
  const H = d.hidden;
  const q = d.heads * d.headDim;
  const kv = d.kvHeads * d.headDim;
  const { count: E, ff } = experts;
  for (let i = 0; i < d.layers; i++) {
    const p = `model.layers.${i}`;
    list.push(
      [`${p}.input_layernorm.weight`, [H]],
      [`${p}.self_attn.q_proj.weight`, [q, H]], [`${p}.self_attn.q_proj.bias`, [q]],
      [`${p}.self_attn.k_proj.weight`, [kv, H]], [`${p}.self_attn.k_proj.bias`, [kv]],
      [`${p}.self_attn.v_proj.weight`, [kv, H]], [`${p}.self_attn.v_proj.bias`, [kv]],
      [`${p}.self_attn.o_proj.weight`, [H, q]], [`${p}.self_attn.o_proj.bias`, [H]], [`${p}.self_attn.sinks`, [d.heads]],
      [`${p}.post_attention_layernorm.weight`, [H]],
      [`${p}.mlp.router.weight`, [E, H]], [`${p}.mlp.router.bias`, [E]],
    );
    // Unquantized (a BF16 fine-tune): each expert's matrix stored inputs by outputs.
    if (experts.unquantized) list.push([`${p}.mlp.experts.gate_up_proj`, [E, H, 2 * ff]], [`${p}.mlp.experts.gate_up_proj_bias`, [E, 2 * ff]]);
    else list.push([`${p}.mlp.experts.gate_up_proj_blocks`, [E, 2 * ff, H / 32, 16]], [`${p}.mlp.experts.gate_up_proj_scales`, [E, 2 * ff, H / 32]], [`${p}.mlp.experts.gate_up_proj_bias`, [E, 2 * ff]]);
    if (experts.unquantized) list.push([`${p}.mlp.experts.down_proj`, [E, ff, H]], [`${p}.mlp.experts.down_proj_bias`, [E, H]]);
    else list.push([`${p}.mlp.experts.down_proj_blocks`, [E, H, ff / 32, 16]], [`${p}.mlp.experts.down_proj_scales`, [E, H, ff / 32]], [`${p}.mlp.experts.down_proj_bias`, [E, H]]);
  }
  list.push(['model.norm.weight', [H]]);
  if (d.lmHead) list.push(['lm_head.weight', [d.vocab, H]]);
  return list;
}

/** gpt-oss's MXFP4 expert tensors (U8 codes and exponents). */
export function isMxfp4Tensor(name: string): boolean {
  return name.endsWith('_blocks') || name.endsWith('_scales');
}

export function isNormTensor(name: string): boolean {
  return name.endsWith('norm.weight');
}
