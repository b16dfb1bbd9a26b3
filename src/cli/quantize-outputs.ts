// quantize's outputs: the files of one run (a file per mix of --type, one for --recipe) and
// what --push needs to publish them (the repository, the base model, the source's float type).
import type { ModelPlan } from '../core/model/plan-types.ts';
import type { MixName } from '../core/recipe/mix-names.ts';
import { isHubUri, parseHubModelSpec, splitHubFileSpec } from '../io/hub/hub-spec.ts';
import { checkPushRepo } from '../io/hub/push-files.ts';
import { parseMix } from './args.ts';
import { CliError } from './cli-error.ts';

/** One file of the run: a mix (or a recipe) and where it goes. */
export interface OutputFile {
  /** The mix name, or "dynamic" for the recipe: what {mix} in -o becomes. */
  name: string;
  /** The mix; for the recipe's file, the recipe's base mix once it is read. */
  mix: MixName | null;
  /** This file follows --recipe. */
  recipe: boolean;
  path: string;
}

/**
 * The files to write: one per mix of --type (a comma-separated list) and one for --recipe.
 * Several files need "{mix}" in -o, which takes each file's mix ("dynamic" for the recipe).
 * Known before the recipe is read, so that the paths are checked first.
 */
export function outputFiles(type: string | undefined, hasRecipe: boolean, output: string): OutputFile[] {
  const mixes = type === undefined ? [] : type.split(',').map((t) => parseMix(t.trim()));
  if (!hasRecipe && mixes.length === 0) parseMix(undefined);
  const files: OutputFile[] = [
    ...mixes.map((mix) => ({ name: mix as string, mix, recipe: false })),
    ...(hasRecipe ? [{ name: 'dynamic', mix: null, recipe: true }] : []),
  ].map((f) => ({ ...f, path: output.replaceAll('{mix}', f.name) }));
  const names = files.map((f) => f.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new CliError(`--type names ${twice} twice`);
  if (output && files.length > 1 && !output.includes('{mix}')) throw new CliError(`-o ${output}: ${files.length} files are written (${names.join(', ')}); put {mix} in the name, e.g. -o model-{mix}.gguf`);
  return files;
}

/**
 * The float type the model's weights are stored in (what the card's llama-quantize commands start
 * from to rebuild the files byte for byte): the most common among the quantizable tensors.
 */
export function unquantizedSourceType(plan: ModelPlan): string {
  const counts = new Map<string, number>();
  for (const t of plan.tensors) {
    if (!t.quantizable || !['F32', 'F16', 'BF16'].includes(t.source.dtype)) continue;
    counts.set(t.source.dtype, (counts.get(t.source.dtype) ?? 0) + t.ne.reduce((a, b) => a * b, 1));
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'BF16';
}

/** --push owner/name: checked, with the base model the card names, before any work is done. */
export function pushTarget(repo: string, baseModel: string | undefined, source: string): { repo: string; baseModel: string } {
  try {
    checkPushRepo(repo);
  } catch (e) {
    throw new CliError(`--push: ${(e as Error).message}`);
  }
  if (!process.env.HF_TOKEN) throw new CliError(`--push ${repo} needs a write token: set HF_TOKEN (https://huggingface.co/settings/tokens)`);
  const fromHub = isHubUri(source) ? parseHubModelSpec(splitHubFileSpec(source).model).repo : null;
  const base = baseModel ?? fromHub;
  if (!base) throw new CliError(`--push ${repo}: the model card names its base model: give --base-model owner/name (a Hub source names it itself)`);
  return { repo, baseModel: base };
}
