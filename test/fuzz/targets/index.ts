// Every fuzz target, in the order the table lists them.
import type { FuzzTarget } from '../fuzz-types.ts';
import { cliTarget } from './cli.ts';
import { ggufTarget } from './gguf.ts';
import { imatrixGgufTarget, imatrixLegacyTarget } from './imatrix.ts';
import { configTarget, generationConfigTarget, tokenizerTarget } from './model-files.ts';
import { recipeTarget, sensitivityTarget, tensorTypeFileTarget } from './recipes.ts';
import { safetensorsHeaderTarget, safetensorsIndexTarget } from './safetensors.ts';
import { calibrationJsonlTarget, chatTemplateTarget, choicesJsonlTarget } from './text-files.ts';

export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  safetensorsHeaderTarget, safetensorsIndexTarget, ggufTarget, imatrixGgufTarget, imatrixLegacyTarget,
  configTarget, generationConfigTarget, tokenizerTarget, chatTemplateTarget, recipeTarget, tensorTypeFileTarget,
  sensitivityTarget, calibrationJsonlTarget, choicesJsonlTarget, cliTarget,
];

/** A case's own seed: the run's seed, the target and the case index, mixed (FNV-1a, then a multiply). */
export function caseSeed(seed: number, target: string, index: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (const c of `${target}#${index}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0 || 1;
}
