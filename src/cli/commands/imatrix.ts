// quant-studio imatrix: llama-imatrix's importance matrix from a Hugging Face folder, on the CPU
// reference forward, written in llama.cpp's GGUF imatrix format.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { assembleCalibrationStream, chatTemplateFromMetadata, checkDefaultSetBytes, defaultSetDatasetName, loadCalibrationTokenizer, parseCalibrationJsonl, type CalibrationDocument, type CalibrationManifest } from '../../core/calibration/index.ts';
import { forwardModelFromPlan } from '../../core/forward/forward-model.ts';
import { loadTextTokenizer } from '../../core/forward/tokenize.ts';
import { planWeights } from '../../core/forward/weights.ts';
import { collectImatrix } from '../../core/imatrix/collect.ts';
import { imatrixGgufBytes } from '../../core/imatrix/write-imatrix-gguf.ts';
import { planModel } from '../../core/model/plan-model.ts';
import { withOutputFiles } from '../../io/node-sink.node.ts';
import { parseCommandArgs, parseThreads } from '../args.ts';
import { withMatmulThreads } from '../matmul-threads.ts';
import { CliError, inputFailure } from '../cli-error.ts';
import { checkOutputPaths, modelFolderInputs, namedPaths } from '../output-paths.ts';
import { openModelSource } from '../model-source.ts';
import { clearProgressLine } from '../progress.ts';

/** public/calibration/, served to the studio and read from here by the CLI. */
const CALIBRATION_DIR = path.resolve(import.meta.dirname, '../../../public/calibration');

/** --chat and --default-set documents, with the names imatrix.datasets records for them. */
async function readCalibrationDocuments(chatPath: string | undefined, defaultSet: boolean): Promise<{ documents: CalibrationDocument[]; datasets: string[] }> {
  const documents: CalibrationDocument[] = [];
  const datasets: string[] = [];
  if (chatPath) {
    const content = await readFile(chatPath, 'utf8').catch(inputFailure(`--chat ${chatPath}`));
    documents.push(...parseCalibrationJsonl(content, chatPath));
    datasets.push(chatPath);
  }
  if (defaultSet) {
    const bytes = await readFile(path.join(CALIBRATION_DIR, 'default.jsonl'));
    const manifest = JSON.parse(await readFile(path.join(CALIBRATION_DIR, 'manifest.json'), 'utf8')) as CalibrationManifest;
    checkDefaultSetBytes(bytes, manifest);
    documents.push(...parseCalibrationJsonl(new TextDecoder().decode(bytes), 'calibration/default.jsonl'));
    datasets.push(defaultSetDatasetName(manifest));
  }
  return { documents, datasets };
}

export function positiveInt(value: string | undefined, flag: string, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new CliError(`${flag} ${value}: expected a positive integer`);
  return n;
}

export async function imatrixCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, {
    text: { type: 'string', short: 'f' },
    chat: { type: 'string' },
    'default-set': { type: 'boolean' },
    ctx: { type: 'string', short: 'c' },
    chunks: { type: 'string' },
    threads: { type: 'string' },
    output: { type: 'string', short: 'o' },
  });
  if (positionals.length !== 1) throw new CliError('imatrix takes one model: a folder, a .gguf file or hf://owner/repo[/file.gguf]');
  const defaultSet = values['default-set'] === true;
  if (!values.text && !values.chat && !defaultSet) throw new CliError('--text <file>, --chat <file.jsonl> or --default-set is required');
  if (!values.output) throw new CliError('-o <out.imatrix.gguf> is required');
  const contextSize = positiveInt(values.ctx, '--ctx', 512)!;
  const maxChunks = positiveInt(values.chunks, '--chunks', undefined);
  const threads = parseThreads(values.threads, 8);
  const output = values.output;
  await checkOutputPaths([{ label: '-o', path: output }], [
    ...(await modelFolderInputs(positionals[0]!)), ...namedPaths('--text', values.text), ...namedPaths('--chat', values.chat),
  ]);
  const text = values.text === undefined ? undefined : await readFile(values.text, 'utf8').catch(inputFailure(`--text ${values.text}`));
  const calibration = await readCalibrationDocuments(values.chat, defaultSet);
  const summary = await withOutputFiles([output], async (out) => {
    const files = await openModelSource(positionals[0]!);
    try {
      const plan = await planModel(files);
      const tokenizer = await loadTextTokenizer(files);
      let tokens = text === undefined ? [] : tokenizer.encode(text);
      const datasets = values.text === undefined ? [] : [values.text];
      if (calibration.documents.length) {
        // --text stays one document (its ids unchanged); conversations go through the chat template.
        const documents: CalibrationDocument[] = text === undefined ? calibration.documents : [{ kind: 'text', text, origin: values.text! }, ...calibration.documents];
        tokens = assembleCalibrationStream(documents, await loadCalibrationTokenizer(files), {
          chatTemplate: chatTemplateFromMetadata(plan.metadata),
          templateLabel: `${files.label} chat template`,
          onWarning: (message) => process.stderr.write(`imatrix: warning: ${message}\n`),
        }).tokens;
        datasets.push(...calibration.datasets);
      }
      const started = performance.now();
      const progress = process.stderr.isTTY ? (done: number, total: number) => process.stderr.write(`\rimatrix: ${done}/${total} chunks`) : undefined;
      const stats = await withMatmulThreads(threads, () => collectImatrix(forwardModelFromPlan(plan), planWeights(plan, files), tokens, {
        contextSize, maxChunks, bos: tokenizer.bos, onProgress: progress,
      }));
      const seconds = (performance.now() - started) / 1000;
      await out.write(output, imatrixGgufBytes(stats, datasets));
      return `imatrix: ${stats.entries.size} entries, ${stats.chunkCount} chunks of ${contextSize} tokens (${Math.round((stats.chunkCount * contextSize) / seconds)} tokens/s on ${threads} thread${threads === 1 ? '' : 's'}) -> ${output}`;
    } finally {
      await files.close();
    }
  });
  process.stderr.write(`${clearProgressLine()}${summary}\n`);
}
