// quant-studio imatrix: llama-imatrix's importance matrix from a Hugging Face folder, on the CPU
// reference forward, written in llama.cpp's GGUF imatrix format.
import { readFile, writeFile } from 'node:fs/promises';
import { forwardModelFromPlan } from '../../core/forward/forward-model.ts';
import { loadTextTokenizer } from '../../core/forward/tokenize.ts';
import { planWeights } from '../../core/forward/weights.ts';
import { collectImatrix } from '../../core/imatrix/collect.ts';
import { imatrixGgufBytes } from '../../core/imatrix/write-imatrix-gguf.ts';
import { planModel } from '../../core/model/plan-model.ts';
import { nodeModelFiles } from '../../io/node-files.node.ts';
import { parseCommandArgs } from '../args.ts';
import { CliError } from '../cli-error.ts';

export function positiveInt(value: string | undefined, flag: string, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new CliError(`${flag} ${value}: expected a positive integer`);
  return n;
}

export async function imatrixCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, {
    text: { type: 'string', short: 'f' },
    ctx: { type: 'string', short: 'c' },
    chunks: { type: 'string' },
    output: { type: 'string', short: 'o' },
  });
  if (positionals.length !== 1) throw new CliError('imatrix takes one model folder');
  if (!values.text) throw new CliError('--text <file> is required');
  if (!values.output) throw new CliError('-o <out.imatrix.gguf> is required');
  const contextSize = positiveInt(values.ctx, '--ctx', 512)!;
  const maxChunks = positiveInt(values.chunks, '--chunks', undefined);
  const text = await readFile(values.text, 'utf8').catch((e: Error) => { throw new CliError(`--text ${values.text}: ${e.message}`); });
  const files = await nodeModelFiles(positionals[0]!);
  try {
    const plan = await planModel(files);
    const tokenizer = await loadTextTokenizer(files);
    const tokens = tokenizer.encode(text);
    const started = performance.now();
    const stats = await collectImatrix(forwardModelFromPlan(plan), planWeights(plan, files), tokens, {
      contextSize, maxChunks, bos: tokenizer.bos,
      onProgress: (done, total) => process.stderr.write(`\rimatrix: ${done}/${total} chunks`),
    });
    const seconds = (performance.now() - started) / 1000;
    await writeFile(values.output, imatrixGgufBytes(stats, [values.text]));
    process.stderr.write(`\nimatrix: ${stats.entries.size} entries, ${stats.chunkCount} chunks of ${contextSize} tokens (${Math.round((stats.chunkCount * contextSize) / seconds)} tokens/s) -> ${values.output}\n`);
  } finally {
    await files.close();
  }
}
