import type { GgmlTypeName } from '../ggml-type.ts';
import type { GgufKv } from '../gguf/gguf-value.ts';
import type { SafetensorsDtype } from '../safetensors/dtype.ts';

/** What a tensor does in the network: the heatmap's columns and the mixes' categories. */
export const TENSOR_ROLES = [
  'token_embd', 'output', 'output_norm', 'rope_freqs', 'rope_factors_long', 'rope_factors_short',
  'attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_qkv', 'attn_output', 'attn_q_norm', 'attn_k_norm',
  'attn_q_bias', 'attn_k_bias', 'attn_v_bias',
  'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down', 'post_attention_norm', 'post_ffw_norm',
  // Mixture of experts: the router, and each expert's projections stacked into one 3-D tensor.
  'ffn_gate_inp', 'ffn_gate_exps', 'ffn_up_exps', 'ffn_down_exps',
  // A MoE layer's shared expert, which every token goes through beside its routed ones (Granite MoE shared).
  'ffn_gate_shexp', 'ffn_up_shexp', 'ffn_down_shexp',
  // LFM2's short-convolution layers: the input projection (b, c and x), the depthwise kernel, the output projection.
  'shortconv_in', 'shortconv_conv', 'shortconv_out',
  // gpt-oss: attention sinks (a logit per head), the output projection's bias, the router's and the experts' biases.
  'attn_sinks', 'attn_output_bias', 'ffn_gate_inp_bias', 'ffn_gate_exps_bias', 'ffn_up_exps_bias', 'ffn_down_exps_bias',
  // Granite 4.0 hybrid's Mamba-2 layers: the input projection (z, x, B, C and dt), the causal
  // convolution's kernel and bias, dt's bias, A (= -exp(A_log)), D, the grouped norm, the output projection.
  'ssm_in', 'ssm_conv1d', 'ssm_conv1d_bias', 'ssm_dt_bias', 'ssm_a', 'ssm_d', 'ssm_norm', 'ssm_out',
] as const;

export type TensorRole = (typeof TENSOR_ROLES)[number];

/** Where a tensor's bytes are: one tensor of one safetensors file. */
export interface SourceTensor {
  file: string;
  name: string;
  dtype: SafetensorsDtype;
  /** numpy order, outermost first, as in the safetensors header. */
  shape: number[];
  /** Absolute byte offset of the tensor's data in `file`. */
  offset: number;
  byteLength: number;
}

/**
 * A tensor the converter computes rather than reads (llama3 rope_freqs): its values travel in the
 * plan (they are small). `file` and `name` are labels for display and errors.
 */
export interface GeneratedSource {
  kind: 'generated';
  file: string;
  name: string;
  dtype: 'F32';
  shape: number[];
  values: Float32Array<ArrayBuffer>;
}

/**
 * One expert projection of every expert, stacked as the converter stacks them (torch.stack on a
 * new outer dimension): `parts[e]` is expert e's 2-D tensor, all of one dtype and shape; `shape`
 * is [experts, ...part shape]. `file` and `name` label the whole (the first part's file, the
 * name with `*` for the expert index).
 */
export interface StackedSource {
  kind: 'stacked';
  file: string;
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  parts: SourceTensor[];
}

/**
 * Experts stored as MXFP4 in the checkpoint (gpt-oss): `blocks` (U8 [experts, rows', blocks, 16],
 * two 4-bit values a byte, the even one in the low nibble) and `scales` (U8 [experts, rows',
 * blocks], E8M0 exponents). The GGUF tensor's row i of expert e is checkpoint row
 * `i * rowStep + rowOffset` of that expert: gpt-oss's gate_up_proj interleaves gate and up rows,
 * which the converter splits (rowStep 2). `shape` is the GGUF tensor's in numpy order. The
 * converter writes these bytes as ggml's MXFP4 blocks unchanged, whatever its outtype.
 */
export interface Mxfp4Source {
  kind: 'mxfp4';
  file: string;
  name: string;
  dtype: 'U8';
  shape: number[];
  blocks: SourceTensor;
  scales: SourceTensor;
  rowStep: 1 | 2;
  rowOffset: 0 | 1;
}

/**
 * A tensor of a GGUF file (requantizing a GGUF): its bytes in the file's own type, rows of ne[0]
 * values each. `shape` is numpy order (the reverse of ne), as for the other sources.
 */
export interface GgufTensorSource {
  kind: 'gguf';
  file: string;
  name: string;
  /** The ggml type it is stored as (the other sources' dtype is a safetensors dtype). */
  dtype: GgmlTypeName;
  shape: number[];
  /** Absolute byte offset of the tensor's data in `file`. */
  offset: number;
  byteLength: number;
}

/** Where a tensor's values come from: safetensors bytes (no `kind`), experts stacked or in MXFP4, a GGUF's tensor, or computed values. */
export type TensorSource = (SourceTensor & { kind?: undefined }) | StackedSource | Mxfp4Source | GgufTensorSource | GeneratedSource;

/** A change applied to the source values on their way to GGUF (llama.cpp's converter does these). */
export type TensorTransform =
  | { kind: 'none' }
  /** llama.cpp's Q/K row permutation from HF rotate-half to interleaved rope pairs. */
  | { kind: 'permute-qk'; heads: number }
  /** Gemma's RMSNorm multiplies by (1 + w): the converter stores w + 1, computed in float32. */
  | { kind: 'add-one' }
  /** Keep the first `rows` rows (Gemma 3: token_embd cut to the tokenizer's real vocabulary). */
  | { kind: 'first-rows'; rows: number }
  /** Keep every other value of each row, from `offset` (gpt-oss's gate_up_proj_bias: gate at 0, up at 1). */
  | { kind: 'every-other-column'; offset: 0 | 1 }
  /**
   * Stacked experts stored [experts, inputs, outputs] (gpt-oss unquantized): each expert's matrix
   * transposed, keeping outputs `rowOffset`, `rowOffset + rowStep`, … (gate_up_proj interleaves
   * gate and up outputs). Rows are read an expert at a time.
   */
  | { kind: 'transpose-experts'; rowStep: 1 | 2; rowOffset: 0 | 1 }
  /** -exp(w), computed in the source's float type as torch does (Mamba-2's A from A_log). */
  | { kind: 'neg-exp' };

export interface PlannedTensor {
  ggufName: string;
  hfName: string;
  role: TensorRole;
  /** Block index, null for tensors outside the blocks. */
  layer: number | null;
  /** ggml order: ne[0] innermost (the reverse of the safetensors shape). */
  ne: number[];
  source: TensorSource;
  transform: TensorTransform;
  /** llama.cpp quantizes it (2-D weight, not a norm); otherwise it is always F32. */
  quantizable: boolean;
  /**
   * The type the checkpoint already stores it in (gpt-oss's MXFP4 experts): the converter writes
   * it so under any float outtype, and a quantizer asked for this type copies its bytes, as
   * llama-quantize copies a tensor already of the target type. Absent for float checkpoints.
   */
  storedType?: GgmlTypeName;
}

export interface ModelPlan {
  /** GGUF architecture name, e.g. "llama". */
  architecture: string;
  /** config.json `architectures[0]`, e.g. "LlamaForCausalLM"; "GGUF" for a GGUF source. */
  hfArchitecture: string;
  /** Tensors in the order they are written. */
  tensors: PlannedTensor[];
  /**
   * Metadata in converter order, without general.file_type (the export adds it with the
   * chosen file type) and general.quantization_version.
   */
  metadata: GgufKv[];
  layerCount: number;
  /** A GGUF source's general.file_type: the mix it was made with (the studio opens it at that mix). */
  sourceFileType?: number;
}

/** Per-tensor type decisions: GGUF tensor name -> type. */
export type TensorTypes = Map<string, GgmlTypeName>;
