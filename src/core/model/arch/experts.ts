// The expert counts a MoE family's convertedConfig reads from config.json (the keys differ:
// Qwen's moe_intermediate_size, OLMoE's and Granite's intermediate_size; Granite's num_local_experts).
import { configFields, type ExpertConfig, type ModelConfig } from '../config.ts';

export function readExperts(config: ModelConfig, widthKey: string, countKey = 'num_experts'): ExpertConfig {
  const fields = configFields(config.raw, config.file);
  const experts = { count: fields.int(countKey), used: fields.int('num_experts_per_tok'), feedForward: fields.int(widthKey) };
  if (experts.used > experts.count) throw new Error(`${config.file}: "num_experts_per_tok" ${experts.used} is more than "${countKey}" ${experts.count}`);
  return experts;
}

/** The GGUF suffixes of a MoE layer's feed-forward: its norm, the router and the stacked experts. */
export const MOE_FFN_SUFFIXES = ['ffn_norm', 'ffn_gate_inp', 'ffn_gate_exps', 'ffn_up_exps', 'ffn_down_exps'] as const;
