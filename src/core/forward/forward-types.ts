import type { GgmlTypeName } from '../ggml-type.ts';

// The contract of the reference forward pass, shared by the CPU implementation here and the GPU
// (WGSL) one: what a model is (hyperparameters + tensor shapes by GGUF name), where weights come
// from, and what the caller sees (matmul inputs for the imatrix, logits per position).

/** A tensor as the forward needs it: its GGUF name and ggml shape (ne[0] innermost). */
export interface ForwardTensor {
  ggufName: string;
  ne: readonly number[];
  /** Storage type when the weights come from a GGUF (for ggmlCpuActivations). */
  type?: GgmlTypeName;
}

/**
 * Float32 values of one tensor in GGUF layout (Q/K rows already in llama.cpp's interleaved rope
 * order), ne[0] innermost. Implementations: planWeights (safetensors), ggufWeights (any GGUF).
 * The forward asks for each tensor once per pass and drops it after its layer.
 */
export type WeightSource = (tensor: ForwardTensor) => Promise<Float32Array>;

/**
 * One expert's matrix of a stacked expert tensor (ffn_*_exps, ne[2] = experts): its ne[0] × ne[1]
 * values in GGUF layout, reading only its bytes. A forward that has one reads only the experts
 * tokens were routed to, and holds one at a time, instead of a layer's whole expert tensors.
 */
export type ExpertMatrixSource = (tensor: ForwardTensor, expert: number) => Promise<Float32Array>;

export type RopeStyle = 'normal' | 'neox';
/**
 * The gated feed-forward's activation of (gate, up): SwiGLU, GeGLU, or gpt-oss's clamped SwiGLU
 * (ggml_swiglu_oai: gate capped at 7, up clamped to ±7, gate·σ(1.702·gate)·(up + 1)).
 */
export type FfnActivation = 'silu' | 'gelu' | 'swiglu-oai';

/** Everything the block function needs, read from GGUF metadata (`<arch>.*` keys). */
export interface ForwardHparams {
  architecture: string;
  layerCount: number;
  embedding: number;
  headCount: number;
  headCountKv: number;
  headDimK: number;
  headDimV: number;
  vocabSize: number;
  rmsEps: number;
  /** Rotated dimensions per head (may be less than headDimK: partial rotary). */
  ropeDims: number;
  ropeBase: number;
  /** 1/factor for linear and YaRN rope scaling, 1 otherwise. */
  ropeFreqScale: number;
  /**
   * YaRN's blend of interpolated and extrapolated frequencies (ggml's rope_yarn), as llama.cpp's
   * context sets it up for a file whose rope.scaling.type is yarn; null for every other scaling.
   */
  ropeYarn: { extFactor: number; betaFast: number; betaSlow: number } | null;
  /** Multiplies the rotated dimensions (LongRoPE's attention factor; YaRN's, before its own magnitude correction; 1 otherwise). */
  ropeAttnFactor: number;
  /** The training context the rope was made for: longer contexts take LongRoPE's long factors. */
  ropeOriginalContext: number;
  ropeStyle: RopeStyle;
  /** Multiplies q·k (1/sqrt(headDimK) unless the architecture says otherwise). */
  attentionScale: number;
  attnSoftcap: number | null;
  finalSoftcap: number | null;
  /** Sliding-window size and, per layer, whether that layer uses it. */
  slidingWindow: number | null;
  slidingLayers: readonly boolean[];
  /** Each block output's factor before the residual add (Granite's residual_scale), or null. */
  residualScale: number | null;
  /** Logits multiplied by this (Granite: 1 / logit_scale, in float), or null. */
  logitScale: number | null;
  /** Whether blocks norm their attention and FFN inputs (false: OLMo 2, which norms their outputs). */
  preNorms: boolean;
  /** Layers that rotate Q and K (all but SmolLM3's NoPE layers). */
  ropeLayers: readonly boolean[];
  /** Gemma multiplies the token embeddings by sqrt(n_embd). */
  embedScale: number | null;
  activation: FfnActivation;
  /** A mixture-of-experts feed-forward in every layer, or null for a dense one. */
  experts: ExpertRouting | null;
  /**
   * LFM2's short convolutions: the kernel's taps (shortconv.l_cache) and, per layer, whether the
   * layer mixes tokens by convolution instead of attention; null in the other families.
   */
  shortConv: { taps: number; layers: readonly boolean[] } | null;
  /**
   * Granite 4.0-h's Mamba-2 layers (where head_count_kv is 0): the sizes of `<arch>.ssm.*` and, per
   * layer, whether the layer mixes tokens by a Mamba-2 mixer; null in the other families.
   */
  ssm: { inner: number; stateSize: number; groups: number; heads: number; convKernel: number; layers: readonly boolean[] } | null;
}

/** How a MoE layer routes each token (llama.cpp's build_moe_ffn for the architecture). */
export interface ExpertRouting {
  count: number;
  /** Experts each token goes to (top-k of the router's probabilities). */
  used: number;
  /**
   * 'softmax': the top-k of the router's softmax, weighted by those probabilities; 'softmax-weight'
   * (gpt-oss): the top-k of the raw logits, weighted by a softmax over just those k.
   */
  gating: 'softmax' | 'softmax-weight';
  /** Divide the chosen experts' weights by their sum. */
  normalizeWeights: boolean;
}

export interface ForwardModel {
  hparams: ForwardHparams;
  /** GGUF name -> tensor; names follow llama.cpp (blk.N.attn_q.weight, output.weight, …). */
  tensors: ReadonlyMap<string, ForwardTensor>;
}

export interface ForwardHooks {
  /**
   * Sees the input of every matmul whose weight is a blk.* tensor, for all tokens of all sequences
   * of the pass in order (rows × cols, row-major, cols = the weight's ne[0]). Read it before
   * returning: the buffer may be reused.
   */
  onMatmulInput?(weightName: string, x: Float32Array, rows: number, cols: number): void;
  /**
   * Sees the input of one expert's matmul of a stacked expert tensor (ffn_*_exps): the rows of the
   * tokens routed to `expert`, in token order, for a weight of `experts` experts. Called for each
   * expert that received tokens, in expert order; not for the others.
   */
  onExpertMatmulInput?(weightName: string, expert: number, experts: number, x: Float32Array, rows: number, cols: number): void;
}

export interface ForwardRequest {
  /** Token ids per sequence (each sequence is independent, positions start at 0). */
  sequences: readonly (readonly number[])[];
  /** First position of sequence s whose logits are wanted (default 0). */
  outputFrom?: (sequence: number) => number;
  /**
   * Logits after position `position` of sequence `sequence` (vocabSize values; a view into a
   * reused buffer: copy it to keep it). Called in sequence, then position, order.
   */
  onLogits?(sequence: number, position: number, logits: Float32Array): void;
  hooks?: ForwardHooks;
  /**
   * KV cache precision to reproduce: 'f16' is what llama.cpp runs by default (and what the
   * 1e-3 agreement with its probabilities needs); 'f32' (default) is the exact float32 model.
   */
  kvCache?: 'f32' | 'f16';
  /**
   * Round each matmul's activations as ggml's CPU backend does for the weight's type (Q8_0/Q8_K
   * /F16, see ggml-cpu-activations.ts), to reproduce llama.cpp's numbers on quantized GGUFs.
   * Off: the exact float product with the dequantized weights.
   */
  ggmlCpuActivations?: boolean;
}

/** A whole forward pass: the CPU reference (runForward) or the WebGPU one (GpuForward.backend). */
export type ForwardBackend = (model: ForwardModel, weights: WeightSource, request: ForwardRequest) => Promise<void>;
