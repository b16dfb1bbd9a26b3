// SmolLM3 (GGUF "smollm3"): converted exactly as Llama (the converter's SmolLM3Model is LlamaModel
// under another name). Its one difference is at run time: every fourth layer has no rope ("NoPE").
// llama.cpp does not read config.json's no_rope_layers; it hard-codes that pattern
// (n_no_rope_layer_step = 4), so a config whose pattern differs would convert into a file that
// llama.cpp runs wrongly: it is refused, naming the first layer that differs.
import { shownValue } from '../../json-input.ts';
import type { ModelConfig } from '../config.ts';
import { llamaKvs } from '../llama-metadata.ts';
import type { ArchitectureSpec } from './architecture.ts';
import { LLAMA } from './llama.ts';

/** llama.cpp's rule: layer l uses rope unless (l + 1) is a multiple of 4. */
export const SMOLLM3_NO_ROPE_STEP = 4;
export const smollm3UsesRope = (layer: number): boolean => (layer + 1) % SMOLLM3_NO_ROPE_STEP !== 0;

/** config.json's no_rope_layers (1: rope, 0: none) and no_rope_layer_interval must match llama.cpp's rule. */
function checkNoRopeLayers(config: ModelConfig): ModelConfig {
  const { file, raw } = config;
  const interval = raw.no_rope_layer_interval;
  if (interval !== undefined && interval !== null && interval !== SMOLLM3_NO_ROPE_STEP) {
    throw new Error(`${file}: "no_rope_layer_interval" is ${shownValue(interval)}; llama.cpp runs SmolLM3 with no rope on every ${SMOLLM3_NO_ROPE_STEP}th layer only`);
  }
  const layers = raw.no_rope_layers;
  if (layers === undefined || layers === null) return config;
  if (!Array.isArray(layers) || layers.length !== config.layerCount) {
    throw new Error(`${file}: "no_rope_layers" must list one 0 or 1 per layer (${config.layerCount}), got ${shownValue(layers)}`);
  }
  const differs = layers.findIndex((v, l) => v !== (smollm3UsesRope(l) ? 1 : 0));
  if (differs >= 0) {
    throw new Error(`${file}: "no_rope_layers"[${differs}] is ${shownValue(layers[differs])}, but llama.cpp runs layer ${differs} ${smollm3UsesRope(differs) ? 'with' : 'without'} rope (no rope on every ${SMOLLM3_NO_ROPE_STEP}th layer): the file would not run as the checkpoint does`);
  }
  return config;
}

export const SMOLLM3: ArchitectureSpec = {
  ...LLAMA,
  ggufArchitecture: 'smollm3',
  convertedConfig: checkNoRopeLayers,
  hparamKvs: (config) => llamaKvs(config, 'smollm3'),
};
