// What differs between model families: GGUF names, transforms, required tensors, hyperparameter
// keys, generated tensors and tokenizer options. One module per family implements it.
import type { GgufKv } from '../../gguf/gguf-value.ts';
import type { ModelConfig, RopeScaling } from '../config.ts';
import type { BlockTensorTable } from '../llama-tensor-names.ts';
import type { PlannedTensor, SourceTensor, TensorRole, TensorTransform } from '../plan-types.ts';
import type { ShapeRules } from '../tensor-shapes.ts';

export interface ArchitectureSpec {
  /** general.architecture and the key prefix, e.g. "qwen3". */
  ggufArchitecture: string;
  /**
   * Where one HF architecture converts to different GGUF architectures by its config.json (Granite
   * 4.0: "granite" with attention layers only, "granitehybrid" with Mamba-2 layers): the spec for
   * this config, or undefined for this one.
   */
  variant?(config: ModelConfig): ArchitectureSpec | undefined;
  /** Block tensor names that mean something else in this family (Gemma's norms). */
  blockOverrides?: BlockTensorTable;
  /** HF tensors the converter leaves out without a word (Gemma 2's lm_head). */
  skipsTensor?(hfName: string): boolean;
  /**
   * An HF tensor the converter turns into several GGUF tensors (Granite MoE's fused expert
   * gate/up; gpt-oss's MXFP4 blocks, read with their scales, found among `sources` by name), or
   * undefined for one it maps by name as usual.
   */
  expandsTensor?(source: SourceTensor, config: ModelConfig, sources: ReadonlyMap<string, SourceTensor>): PlannedTensor[] | undefined;
  transformOf(role: TensorRole, hfName: string, config: ModelConfig): TensorTransform;
  /**
   * config.json as the family's converter reads it, checked before any tensor is read: changed where
   * the converter changes it (Granite drops head_dim), refused where llama.cpp would run the result
   * unlike the checkpoint (SmolLM3's rope pattern, OLMo 2's sliding window).
   */
  convertedConfig?(config: ModelConfig): ModelConfig;
  /** GGUF suffixes block `layer` must have (llama.cpp refuses the file without them). */
  requiredBlockSuffixes(config: ModelConfig, layer: number): string[];
  /** `{arch}.*` keys in converter order (without general.file_type). */
  hparamKvs(config: ModelConfig): GgufKv[];
  /** Tensors the converter computes (rope_freqs). */
  generatedTensors?(config: ModelConfig): PlannedTensor[];
  /**
   * Keys the converter adds while it writes tensors, before the metadata (Phi-3's rope attention
   * factor): they land right after general.architecture.
   */
  tensorPassKvs?(config: ModelConfig): GgufKv[];
  /** Rope scalings beyond none and linear that this family converts (Llama: llama3; Phi-3: longrope). */
  ropeScalings?: readonly RopeScaling['type'][];
  /** How this family's tensor shapes follow from its hyperparameters, where it differs from Llama's. */
  shapeRules?: ShapeRules;
  /** Gemma 3 cuts token_embd to the tokenizer's real vocabulary. */
  truncatesEmbeddingToVocab?: boolean;
  tokenizer: {
    /** Written as tokenizer.ggml.add_space_prefix after the vocabulary (Gemma: false). */
    addSpacePrefix?: boolean;
    dropAddedTokensBeyondVocab?: boolean;
  };
}

export const noTransform = (): TensorTransform => ({ kind: 'none' });

export const blockSuffixes = (...names: string[]): string[] => names.map((n) => `${n}.weight`);
