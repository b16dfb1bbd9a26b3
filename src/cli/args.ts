import { availableParallelism } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ARM_CANDIDATES, DEFAULT_CANDIDATES, EVERY_SIZE_CANDIDATES } from '../core/dynamic/candidate-types.ts';
import { parseGgmlTypeName, type GgmlTypeName } from '../core/ggml-type.ts';
import { MIXES, parseMixName } from '../core/recipe/llama-mixes.ts';
import { MIX_NAMES, type MixName } from '../core/recipe/mix-names.ts';
import { CliError } from './cli-error.ts';

export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

export function requireType(value: string | undefined, flag = '--type'): GgmlTypeName {
  if (!value) throw new CliError(`${flag} is required`);
  const type = parseGgmlTypeName(value);
  if (!type) throw new CliError(`${flag} ${value}: unknown type`);
  return type;
}

/** --threads N (1 to 64), else one per core up to `maxByDefault`. */
export function parseThreads(value: string | undefined, maxByDefault: number): number {
  if (value === undefined) return Math.max(1, Math.min(maxByDefault, availableParallelism()));
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new CliError(`--threads ${value}: expected a whole number from 1 to 64`);
  return n;
}

export type BackendChoice = 'auto' | 'gpu' | 'cpu';

export function parseBackend(value: string | undefined): BackendChoice {
  const v = (value ?? 'auto').toLowerCase();
  if (v !== 'auto' && v !== 'gpu' && v !== 'cpu') throw new CliError(`--backend ${value}: expected auto, gpu or cpu`);
  return v;
}

/** llama-quantize's TYPE argument: a file type name (or alias), or its ftype number. */
export function parseMix(value: string | undefined): MixName {
  if (!value) throw new CliError('--type is required');
  const byName = parseMixName(value);
  if (byName) return byName;
  const byFtype = MIX_NAMES.find((m) => /^\d+$/.test(value) && MIXES[m].ftype === Number(value));
  if (byFtype) return byFtype;
  throw new CliError(`--type ${value}: unknown type; one of ${MIX_NAMES.join(', ')} (or Q3_K, Q4_K, Q5_K, or an ftype number)`);
}

/** --domain NAME=FILE entries, in order; a name given twice is refused. */
export function parseDomains(entries: readonly string[]): { name: string; file: string }[] {
  const domains = entries.map((e) => {
    const eq = e.indexOf('=');
    if (eq <= 0 || eq === e.length - 1) throw new CliError(`--domain ${e}: expected NAME=FILE, e.g. --domain code=code.txt`);
    return { name: e.slice(0, eq), file: e.slice(eq + 1) };
  });
  const names = domains.map((d) => d.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new CliError(`--domain names ${twice} twice`);
  return domains;
}

/** A comma-separated list of ggml types (--allow, --candidates). */
export function parseTypeList(list: string, flag: string): GgmlTypeName[] {
  return list.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const t = parseGgmlTypeName(s);
    if (!t) throw new CliError(`${flag} ${list}: unknown type "${s}"`);
    return t;
  });
}

const CANDIDATE_PRESETS: Record<string, readonly GgmlTypeName[]> = { default: DEFAULT_CANDIDATES, 'every-size': EVERY_SIZE_CANDIDATES, arm: ARM_CANDIDATES };

/** --candidates: a preset (default, every-size, arm) or a comma-separated list of types. */
export function parseCandidates(value: string): GgmlTypeName[] {
  const preset = CANDIDATE_PRESETS[value.trim().toLowerCase()];
  return preset ? [...preset] : parseTypeList(value, '--candidates');
}

/** --objective: how the whole-recipe check ranks allocations (mean KL, or its 99th percentile). */
export function parseObjective(value: string | undefined): 'mean' | 'tail' {
  const v = value ?? 'mean';
  if (v !== 'mean' && v !== 'tail') throw new CliError(`--objective ${value}: expected mean or tail`);
  return v;
}

/**
 * --refine N: recipes each size's local search measures whole (0, the default, measures only the
 * allocations and mixes). Each costs one forward over the calibration chunks.
 */
export function parseRefine(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new CliError(`--refine ${value}: expected how many recipes to measure (0 or more)`);
  return n;
}

/** --check-chunks: as --chunks, for the chunks whole recipes are measured on; undefined: the --chunks ones. */
export function parseCheckChunkCounts(value: string | undefined, texts: number): number[] | undefined {
  return value === undefined ? undefined : parseChunkCounts(value, texts, 0, '--check-chunks');
}

/**
 * --chunks for one or several --text files: one count for every text (equal weights), or one per
 * text, in order (the domains' weights in the allocation).
 */
export function parseChunkCounts(value: string | undefined, texts: number, fallback: number, flag = '--chunks'): number[] {
  if (value === undefined) return [fallback];
  const counts = value.split(',').map((v) => Number(v.trim()));
  if (counts.some((n) => !Number.isSafeInteger(n) || n <= 0)) throw new CliError(`${flag} ${value}: expected a positive integer, or one per --text separated by commas`);
  if (counts.length > 1 && counts.length !== texts) throw new CliError(`${flag} ${value}: ${counts.length} counts for ${texts} --text file${texts === 1 ? '' : 's'}; give one count, or one per --text`);
  return counts;
}
