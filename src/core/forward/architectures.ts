// What differs between the decoder-only architectures the forward runs. Adding one means adding a
// row here (and a tensor name in block-weights.ts if it brings a new kind of tensor); the block
// function reads only these traits and which tensors exist (biases, q/k norms, post norms).
import { smollm3UsesRope } from '../model/arch/smollm3.ts';
import type { FfnActivation, RopeStyle } from './forward-types.ts';

export interface ArchitectureTraits {
  ropeStyle: RopeStyle;
  activation: FfnActivation;
  /** Embeddings scaled by sqrt(n_embd) (Gemma). */
  scaleEmbeddings: boolean;
  /** Which layers use the sliding window when `<arch>.attention.sliding_window` is set. */
  slidingLayer?: (layer: number) => boolean;
  /** Which layers rotate Q and K (default: all; SmolLM3 leaves every fourth without). */
  ropeLayer?: (layer: number) => boolean;
  /** Norms before attention and the FFN (attn_norm, ffn_norm); false: OLMo 2, which norms only after. */
  preNorms?: boolean;
  /** Layers whose head_count_kv is 0 mix tokens by short convolution instead of attention (LFM2). */
  shortConv?: boolean;
  /** Layers whose head_count_kv is 0 mix tokens by a Mamba-2 mixer (Granite 4.0-h). */
  mamba2?: boolean;
  /** Rope only where `<arch>.rope.scaling.finetuned` is not false (llama.cpp's Granite hybrid uses it as the switch). */
  ropeIfFinetuned?: boolean;
  /** A mixture-of-experts feed-forward: how the router's output becomes expert weights. */
  experts?: { gating: 'softmax' | 'softmax-weight'; normalizeWeights: boolean };
  /** The experts are there only where expert_count is more than 0 (Granite 4.0-h: -micro has none, -tiny and -small do). */
  expertsOptional?: boolean;
  /**
   * The FFN's pre-norm under another GGUF name: gpt-oss's is post_attention_norm (llama.cpp's
   * name for it there), which is no post-norm of the attention's output.
   */
  ffnNormTensor?: string;
  /** Verified against llama.cpp by a test in test/forward/ (others follow llama.cpp's graph but are unchecked). */
  verified: boolean;
}

export const ARCHITECTURE_TRAITS: Record<string, ArchitectureTraits> = {
  llama: { ropeStyle: 'normal', activation: 'silu', scaleEmbeddings: false, verified: true },
  qwen2: { ropeStyle: 'neox', activation: 'silu', scaleEmbeddings: false, verified: false },
  qwen3: { ropeStyle: 'neox', activation: 'silu', scaleEmbeddings: false, verified: true },
  // build_moe_ffn with softmax gating and norm_w = true, whatever config.json said (the planner refuses norm_topk_prob false).
  qwen3moe: { ropeStyle: 'neox', activation: 'silu', scaleEmbeddings: false, experts: { gating: 'softmax', normalizeWeights: true }, verified: true },
  // build_moe_ffn with softmax gating and norm_w = false (the planner refuses norm_topk_prob true).
  olmoe: { ropeStyle: 'neox', activation: 'silu', scaleEmbeddings: false, experts: { gating: 'softmax', normalizeWeights: false }, verified: true },
  // Granite's scales (metadata) with build_moe_ffn's softmax gating and norm_w = true.
  granitemoe: { ropeStyle: 'normal', activation: 'silu', scaleEmbeddings: false, experts: { gating: 'softmax', normalizeWeights: true }, verified: true },
  // Gemma 2: every other layer (even ones) is local; Gemma 3: five local then one global.
  gemma2: { ropeStyle: 'neox', activation: 'gelu', scaleEmbeddings: true, slidingLayer: (l) => l % 2 === 0, verified: false },
  gemma3: { ropeStyle: 'neox', activation: 'gelu', scaleEmbeddings: true, slidingLayer: (l) => (l + 1) % 6 !== 0, verified: false },
  smollm3: { ropeStyle: 'normal', activation: 'silu', scaleEmbeddings: false, ropeLayer: smollm3UsesRope, verified: true },
  olmo2: { ropeStyle: 'neox', activation: 'silu', scaleEmbeddings: false, preNorms: false, verified: true },
  // Fused attn_qkv and gate|up ffn_up (block-weights.ts splits them); partial rotary and LongRoPE
  // are metadata and generated tensors (rope.ts). llama.cpp disables Phi-3's sliding window
  // ("Phi SWA is currently disabled"), so no layer uses the one the file states.
  phi3: { ropeStyle: 'neox', activation: 'silu', scaleEmbeddings: false, slidingLayer: () => false, verified: true },
  // Its scales (embedding, attention, residual, logits) are metadata: hparams.ts reads them for any family.
  granite: { ropeStyle: 'normal', activation: 'silu', scaleEmbeddings: false, verified: true },
  // Short-convolution layers where head_count_kv is 0 (short-conv.ts), attention with per-head
  // q/k norms elsewhere; the final norm is token_embd_norm (forward-model.ts outputNormTensor).
  lfm2: { ropeStyle: 'neox', activation: 'silu', scaleEmbeddings: false, shortConv: true, verified: true },
  // Granite's scales (metadata) around Mamba-2 layers where head_count_kv is 0 (mamba2.ts) and
  // attention layers without rope (rope.scaling.finetuned false, as the converter writes a hybrid);
  // with experts (expert_count > 0), Granite MoE's routing and a shared expert.
  granitehybrid: {
    ropeStyle: 'normal', activation: 'silu', scaleEmbeddings: false, mamba2: true, ropeIfFinetuned: true,
    experts: { gating: 'softmax', normalizeWeights: true }, expertsOptional: true, verified: true,
  },
  // Attention sinks and biases are tensors (block-weights.ts); YaRN is metadata (hparams.ts); even
  // layers slide (llama.cpp's swa pattern 2). Experts: the top-k of the router's biased logits,
  // weighted by a softmax over those k (build_moe_ffn's SOFTMAX_WEIGHT), each with its biases,
  // gate and up combined by the clamped SwiGLU (ops.ts swigluOai).
  'gpt-oss': {
    ropeStyle: 'neox', activation: 'swiglu-oai', scaleEmbeddings: false, slidingLayer: (l) => l % 2 === 0,
    experts: { gating: 'softmax-weight', normalizeWeights: false }, ffnNormTensor: 'post_attention_norm.weight', verified: true,
  },
};

export function architectureTraits(architecture: string): ArchitectureTraits {
  const traits = ARCHITECTURE_TRAITS[architecture];
  if (!traits) {
    throw new Error(`forward: architecture "${architecture}" is not supported (supported: ${Object.keys(ARCHITECTURE_TRAITS).join(', ')})`);
  }
  return traits;
}
