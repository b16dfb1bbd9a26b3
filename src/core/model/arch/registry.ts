// HF architecture -> the family that plans it. A new entry in SUPPORTED_HF_ARCHITECTURES does not
// compile until it has a family here.
import type { SupportedHfArchitecture } from '../config.ts';
import type { ArchitectureSpec } from './architecture.ts';
import { GEMMA2, GEMMA3 } from './gemma.ts';
import { GPT_OSS } from './gpt-oss.ts';
import { GRANITE, GRANITEMOE } from './granite.ts';
import { GRANITE_HYBRID } from './granite-hybrid.ts';
import { LFM2 } from './lfm2.ts';
import { LLAMA } from './llama.ts';
import { OLMO2 } from './olmo2.ts';
import { OLMOE } from './olmoe.ts';
import { PHI3 } from './phi3.ts';
import { QWEN2, QWEN3 } from './qwen.ts';
import { QWEN3MOE } from './qwen3moe.ts';
import { SMOLLM3 } from './smollm3.ts';

export const ARCHITECTURES: Record<SupportedHfArchitecture, ArchitectureSpec> = {
  LlamaForCausalLM: LLAMA,
  MistralForCausalLM: LLAMA,
  Qwen2ForCausalLM: QWEN2,
  Qwen3ForCausalLM: QWEN3,
  Gemma2ForCausalLM: GEMMA2,
  Gemma3ForCausalLM: GEMMA3,
  Phi3ForCausalLM: PHI3,
  SmolLM3ForCausalLM: SMOLLM3,
  Olmo2ForCausalLM: OLMO2,
  GraniteForCausalLM: GRANITE,
  Qwen3MoeForCausalLM: QWEN3MOE,
  OlmoeForCausalLM: OLMOE,
  GraniteMoeForCausalLM: GRANITEMOE,
  GraniteMoeSharedForCausalLM: GRANITEMOE,
  GraniteMoeHybridForCausalLM: GRANITE_HYBRID,
  Lfm2ForCausalLM: LFM2,
  LFM2ForCausalLM: LFM2,
  GptOssForCausalLM: GPT_OSS,
};
