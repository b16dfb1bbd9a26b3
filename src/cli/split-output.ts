// quantize's split output: --split-max-size / --split-max-tensors cut the file as llama-gguf-split
// would cut the unsplit one; --keep-split keeps a split source's files, as llama-quantize does.
// Either way the files are named PREFIX-0000i-of-0000n.gguf after -o without its .gguf, written
// as one set (all of them, or none).
import type { ByteSink } from '../core/bytes-io.ts';
import { ggufContents } from '../core/export/export-gguf.ts';
import { layoutGguf } from '../core/gguf/gguf-header.ts';
import type { GgufKv } from '../core/gguf/gguf-value.ts';
import { layoutShards, parseSplitSize, shardFileName, splitLikeGgufSplit, splitLikeKeepSplit, splitSink, type GgufShard } from '../core/gguf/split-gguf.ts';
import type { ModelPlan, TensorTypes } from '../core/model/plan-types.ts';
import { CliError } from './cli-error.ts';

export interface SplitChoice {
  maxBytes?: number;
  maxTensors?: number;
  keepSplit: boolean;
}

/** The split options given, or null for one file. */
export function parseSplitOptions(values: { 'split-max-size'?: string; 'split-max-tensors'?: string; 'keep-split'?: boolean }): SplitChoice | null {
  const given = [values['split-max-size'] && '--split-max-size', values['split-max-tensors'] && '--split-max-tensors', values['keep-split'] && '--keep-split'].filter(Boolean);
  if (given.length > 1) throw new CliError(`${given.join(' and ')}: give one way to split`);
  if (values['split-max-size']) {
    try {
      return { maxBytes: parseSplitSize(values['split-max-size']), keepSplit: false };
    } catch (e) {
      throw new CliError(`--split-max-size: ${(e as Error).message}`);
    }
  }
  if (values['split-max-tensors']) {
    const n = Number(values['split-max-tensors']);
    if (!Number.isInteger(n) || n < 1) throw new CliError(`--split-max-tensors ${values['split-max-tensors']}: expected a positive whole number`);
    return { maxTensors: n, keepSplit: false };
  }
  return values['keep-split'] ? { keepSplit: true } : null;
}

/**
 * --keep-split writes the tensors in the source's order, file by file (llama-quantize sorts them
 * by file and offset), which also orders the mix's layer counters.
 */
export function inSourceOrder(plan: ModelPlan): ModelPlan {
  const where = (t: ModelPlan['tensors'][number]) => (t.source.kind === 'gguf' ? [t.source.file, t.source.offset] as const : null);
  if (plan.tensors.some((t) => !where(t))) throw new CliError('--keep-split keeps the files of a split GGUF source; this source is not a GGUF');
  const tensors = [...plan.tensors].sort((a, b) => {
    const [fa, oa] = where(a)!;
    const [fb, ob] = where(b)!;
    return fa !== fb ? (fa < fb ? -1 : 1) : oa - ob;
  });
  return { ...plan, tensors };
}

export interface SplitOutput {
  /** The files to write, in order. */
  targets: string[];
  /** The export's sink: the whole file's stream, cut into the targets' sinks. */
  sink(open: (target: string) => ByteSink): ByteSink;
}

export function splitOutput(output: string, plan: ModelPlan, types: TensorTypes, fileType: number, extra: readonly GgufKv[], choice: SplitChoice): SplitOutput {
  const { metadata, tensors } = ggufContents(plan, types, fileType, extra);
  let shards: GgufShard[];
  try {
    shards = choice.keepSplit
      ? splitLikeKeepSplit(metadata, plan.tensors.map((t) => (t.source.kind === 'gguf' ? t.source.file : '')).map((f, _i, all) => [...new Set(all)].indexOf(f)))
      : splitLikeGgufSplit(metadata, tensors, choice);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const prefix = output.replace(/\.gguf$/i, '');
  const targets = shards.map((_, i) => shardFileName(prefix, i, shards.length));
  return {
    targets,
    sink: (open) => splitSink(layoutGguf(metadata, tensors), shards, layoutShards(shards, tensors), (i) => open(targets[i]!)),
  };
}
