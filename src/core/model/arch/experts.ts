// The expert counts a MoE family's convertedConfig reads from config.json (the width's key
// differs: Qwen's moe_intermediate_size, OLMoE's intermediate_size).
import { configFields, type ExpertConfig, type ModelConfig } from '../config.ts';

export function readExperts(config: ModelConfig, widthKey: string): ExpertConfig {
  const fields = configFields(config.raw, config.file);
  const experts = { count: fields.int('num_experts'), used: fields.int('num_experts_per_tok'), feedForward: fields.int(widthKey) };
  if (experts.used > experts.count) throw new Error(`${config.file}: "num_experts_per_tok" ${experts.used} is more than "num_experts" ${experts.count}`);
  return experts;
}
