// quant-studio quantize: llama-quantize's options with llama-quantize's meaning, straight from
// a Hugging Face folder, or from a GGUF as llama-quantize itself.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { exportGgufs } from '../../core/export/export-gguf.ts';
import { parseGgmlTypeName, tensorBytes, type GgmlTypeName } from '../../core/ggml-type.ts';
import { imatrixMetadata } from '../../core/imatrix/imatrix-metadata.ts';
import type { ImportanceMatrix } from '../../core/imatrix/imatrix-types.ts';
import { readImatrix } from '../../core/imatrix/read-imatrix.ts';
import { filterImatrix } from '../../core/imatrix/filter-imatrix.ts';
import { parseKvOverride } from '../../core/gguf/kv-override.ts';
import { parsePruneLayers, pruneLayers } from '../../core/recipe/prune-layers.ts';
import { planModel } from '../../core/model/plan-model.ts';
import { fileTypeSummary, parseTypeOverride, parseTypeOverrideFile, type TypeOverride } from '../../core/recipe/choose-types.ts';
import { chooseMixTypes, MIXES } from '../../core/recipe/llama-mixes.ts';
import type { MixName } from '../../core/recipe/mix-names.ts';
import { missingImportance, missingImportanceMessage } from '../../core/recipe/imatrix-needs.ts';
import { requantizedTensors, requantizeRefusal } from '../../core/recipe/requantize.ts';
import type { ModelPlan, TensorTypes } from '../../core/model/plan-types.ts';
import { parseRecipe, recipeTypes, type Recipe } from '../../core/dynamic/recipe.ts';
import { isGgufFileName } from '../../core/model/plan-gguf.ts';
import { isHubUri, splitHubFileSpec } from '../../io/hub/hub-spec.ts';
import { NodeFileSource } from '../../io/node-files.node.ts';
import { withOutputFiles } from '../../io/node-sink.node.ts';
import { parseBackend, parseCommandArgs } from '../args.ts';
import { openBackend } from '../backend.ts';
import { CliError, inputFailure } from '../cli-error.ts';
import { openModelSource } from '../model-source.ts';
import { checkOutputPaths, modelFolderInputs, namedPaths } from '../output-paths.ts';
import { exportProgressPrinter } from '../progress.ts';
import { pushCommand } from './push.ts';
import { outputFiles, pushTarget, unquantizedSourceType, type OutputFile } from '../quantize-outputs.ts';
import { inSourceOrder, parseSplitOptions, splitOutput } from '../split-output.ts';

function optionalType(value: string | undefined, flag: string): GgmlTypeName | undefined {
  if (value === undefined) return undefined;
  const type = parseGgmlTypeName(value);
  if (!type) throw new CliError(`${flag} ${value}: unknown ggml type`);
  return type;
}

function asCliError<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

export async function loadImatrix(file: string): Promise<ImportanceMatrix> {
  const { stat } = await import('node:fs/promises');
  const size = await stat(file).then((s) => s.size, inputFailure(`--imatrix ${file}`));
  const source = new NodeFileSource(file, file, size);
  try {
    return await readImatrix(source);
  } finally {
    await source.close();
  }
}

export async function quantizeCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, {
    type: { type: 'string' },
    'tensor-type': { type: 'string', multiple: true },
    'tensor-type-file': { type: 'string', multiple: true },
    'output-tensor-type': { type: 'string' },
    'token-embedding-type': { type: 'string' },
    imatrix: { type: 'string' },
    pure: { type: 'boolean' },
    'leave-output-tensor': { type: 'boolean' },
    backend: { type: 'string' },
    output: { type: 'string', short: 'o' },
    recipe: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'allow-requantize': { type: 'boolean' },
    'split-max-size': { type: 'string' },
    'split-max-tensors': { type: 'string' },
    'keep-split': { type: 'boolean' },
    'override-kv': { type: 'string', multiple: true },
    'prune-layers': { type: 'string' },
    'include-weights': { type: 'string', multiple: true },
    'exclude-weights': { type: 'string', multiple: true },
    push: { type: 'string' },
    private: { type: 'boolean' },
    'base-model': { type: 'string' },
  });
  const split = parseSplitOptions(values);
  if (positionals.length !== 1) throw new CliError('quantize takes one model: a folder, a .gguf file or hf://owner/repo[/file.gguf]');
  const source = positionals[0]!;
  if (values['dry-run'] && values.output) throw new CliError('--dry-run writes nothing: leave out -o');
  if (!values.output && !values['dry-run']) throw new CliError('-o <out.gguf> is required');
  // A recipe fixes every tensor's type: the mix options would contradict it (other mixes may come beside it).
  const mixOptions = ['tensor-type', 'tensor-type-file', 'output-tensor-type', 'token-embedding-type', 'pure', 'leave-output-tensor'] as const;
  if (values.recipe && mixOptions.some((k) => values[k] !== undefined)) throw new CliError(`--recipe fixes every tensor's type; it cannot be combined with --${mixOptions.find((k) => values[k] !== undefined)}`);
  const push = values.push ? pushTarget(values.push, values['base-model'], source) : null;
  if (!push && (values.private || values['base-model'])) throw new CliError(`--${values.private ? 'private' : 'base-model'} describes the repository of --push: give --push owner/name`);
  const named = outputFiles(values.type, values.recipe !== undefined, values.output ?? '');
  if (values.output) {
    await checkOutputPaths(named.map((o) => ({ label: '-o', path: o.path })), [
      ...(await modelFolderInputs(source)), ...namedPaths('--imatrix', values.imatrix), ...namedPaths('--recipe', values.recipe),
      ...namedPaths('--tensor-type-file', values['tensor-type-file']),
    ]);
  }
  const recipe: Recipe | null = values.recipe
    ? await readFile(values.recipe, 'utf8').then((text) => asCliError(() => parseRecipe(text, values.recipe!)), inputFailure(`--recipe ${values.recipe}`))
    : null;
  const outputs = named.map((o) => ({ ...o, mix: o.mix ?? recipe!.baseMix }));
  const overrides: TypeOverride[] = (values['tensor-type'] ?? []).map((t) => asCliError(() => parseTypeOverride(t, parseGgmlTypeName)));
  for (const file of values['tensor-type-file'] ?? []) {
    const text = await readFile(file, 'utf8').catch(inputFailure(`--tensor-type-file ${file}`));
    overrides.push(...asCliError(() => parseTypeOverrideFile(text, parseGgmlTypeName, `--tensor-type-file ${file}`)));
  }
  const outputTensorType = optionalType(values['output-tensor-type'], '--output-tensor-type');
  const tokenEmbeddingType = optionalType(values['token-embedding-type'], '--token-embedding-type');
  const loaded = values.imatrix ? await loadImatrix(values.imatrix) : null;
  const imatrix = loaded && asCliError(() => filterImatrix(loaded, values['include-weights'] ?? [], values['exclude-weights'] ?? []));
  if (!values.imatrix && (values['include-weights'] || values['exclude-weights'])) throw new CliError('--include-weights and --exclude-weights choose entries of the --imatrix: give one');
  const kvOverrides = (values['override-kv'] ?? []).map((t) => asCliError(() => parseKvOverride(t)));
  /** --prune-layers: the plan without those blocks, and each renamed tensor's importance weights under its new name. */
  const prepare = (planned: ModelPlan) => {
    if (!values['prune-layers']) return { plan: planned, imatrixEntries: imatrix?.entries ?? null, pruneKvs: [] };
    const { plan, originalName, blockCount } = pruneLayers(planned, asCliError(() => parsePruneLayers(values['prune-layers']!, planned.layerCount)));
    const imatrixEntries = imatrix && new Map(plan.tensors.flatMap((t) => {
      const weights = imatrix.entries.get(originalName.get(t.ggufName) ?? t.ggufName);
      return weights ? [[t.ggufName, weights] as const] : [];
    }));
    return { plan, imatrixEntries, pruneKvs: [{ key: `${plan.architecture}.block_count`, value: { type: 'u32', value: blockCount } } as const] };
  };
  const backendChoice = parseBackend(values.backend);
  const chooseTypes = (plan: ModelPlan, output: OutputFile & { mix: MixName }, dryRun: boolean) => {
    const types = asCliError(() => output.recipe ? recipeTypes(plan, recipe!, values.recipe) :
      chooseMixTypes(plan, {
        mix: output.mix, hasImatrix: imatrix !== null, pure: values.pure, overrides, outputTensorType, tokenEmbeddingType,
        leaveOutputTensor: values['leave-output-tensor'], allowMissingImatrix: dryRun,
      }),
    );
    // A GGUF source already quantized: llama-quantize's refusal, before anything is read or written.
    const requantized = requantizedTensors(plan, types);
    if (requantized.length && !values['allow-requantize'] && !dryRun) throw new CliError(requantizeRefusal(requantized[0]!, requantized.length));
    return types;
  };

  if (!values.output) {
    const files = await openModelSource(source);
    try {
      const { plan } = prepare(await planModel(files));
      for (const output of outputs) printDryRun(files.label, plan, chooseTypes(plan, output, true), output.mix, imatrix !== null);
    } finally {
      await files.close();
    }
    return;
  }

  const written: string[] = [];
  let sourceType = 'BF16';
  /** push's --source-gguf options when the source is a GGUF: the card's llama-quantize commands start from it. */
  let sourceGguf: string[] = [];
  const files = await openModelSource(source);
  try {
    const planned = await planModel(files);
    sourceType = unquantizedSourceType(planned);
    const ggufFile = planned.tensors.find((t) => t.source.kind === 'gguf')?.source.file;
    if (ggufFile) sourceGguf = ['--source-gguf', ggufSourceSpec(source, ggufFile)];
    const { plan, imatrixEntries, pruneKvs } = prepare(split?.keepSplit ? inSourceOrder(planned) : planned);
    // In llama-quantize's order: --override-kv values, the imatrix's keys, then the pruned block count.
    const extraMetadata = [...kvOverrides, ...(imatrix ? imatrixMetadata(imatrix, values.imatrix!) : []), ...pruneKvs];
    const jobs = outputs.map((output) => {
      const types = chooseTypes(plan, output, false);
      const fileType = MIXES[output.mix].ftype;
      const shards = split ? splitOutput(output.path, plan, types, fileType, extraMetadata, split) : null;
      return { output, types, fileType, shards, paths: shards?.targets ?? [output.path] };
    });
    // llama-quantize needs --allow-requantize to rebuild these files from the GGUF source.
    if (ggufFile && jobs.some((j) => requantizedTensors(plan, j.types).length > 0)) sourceGguf.push('--source-requantize');
    const paths = jobs.flatMap((j) => j.paths);
    if (split) await checkOutputPaths(paths.map((path) => ({ label: '-o', path })), await modelFolderInputs(source));
    // The line is printed once the files are in place.
    const summary = await withOutputFiles(paths, async (out) => {
      const backend = await openBackend(backendChoice);
      try {
        const started = performance.now();
        const targets = jobs.map((j) => ({
          types: j.types, fileType: j.fileType, extraMetadata,
          sink: files.guardSink(j.shards ? j.shards.sink((target) => out.sink(target)) : out.sink(j.output.path)),
        }));
        const results = await exportGgufs({ plan, targets, files, quantizer: backend.quantizer, imatrix: imatrixEntries, onProgress: exportProgressPrinter() });
        const seconds = (performance.now() - started) / 1000;
        const lines = jobs.map((j, i) => {
          const where = j.paths.length > 1 ? `${j.paths.length} files ${j.paths[0]} … ${j.paths.at(-1)}` : j.paths[0];
          return `wrote ${where}: ${results[i]!.bytesWritten} bytes, ${plan.tensors.length} tensors, ${j.output.recipe ? `recipe on ${j.output.mix}` : j.output.mix}`;
        });
        const timing = `${seconds.toFixed(2)} s on ${backend.description}`;
        return jobs.length === 1 ? `${lines[0]}, ${timing}` : `${lines.join('\n')}\n${jobs.length} files in ${timing}`;
      } finally {
        backend.dispose();
      }
    });
    process.stderr.write(`${summary}\n`);
    written.push(...paths);
  } finally {
    await files.close();
  }
  if (push) {
    await pushCommand([
      push.repo, ...written, '--base-model', push.baseModel, '--source-type', sourceType, ...sourceGguf, ...(values.private ? ['--private'] : []),
      ...(values.imatrix ? ['--imatrix', values.imatrix] : []), ...(values.recipe ? ['--recipe', values.recipe] : []),
    ]);
  }
}

/**
 * The GGUF file (`file`: its name in the source, any shard of a split one) of the quantize source
 * `source` as push's --source-gguf takes it: a path on disk, or hf://owner/repo[@rev]/file.gguf.
 */
function ggufSourceSpec(source: string, file: string): string {
  if (isHubUri(source)) return `${splitHubFileSpec(source).model}/${file}`;
  return path.join(isGgufFileName(source) ? path.dirname(source) : source, file);
}

/**
 * --dry-run, as llama-quantize's: every tensor's type and size, the file's size, and a warning
 * when the real run would need an importance matrix; no weight is read and nothing is written.
 */
function printDryRun(label: string, plan: ModelPlan, types: TensorTypes, mix: MixName, hasImatrix: boolean): void {
  const out: string[] = [`${label}: ${mix}, dry run (nothing is written)`];
  const n = plan.tensors.length;
  for (const [i, t] of plan.tensors.entries()) {
    const type = types.get(t.ggufName)!;
    const mib = (tensorBytes(type, t.ne) / 2 ** 20).toFixed(3);
    out.push(`[${String(i + 1).padStart(String(n).length)}/${n}] ${t.ggufName.padEnd(32)} [${t.ne.join(', ')}] ${type} ${mib} MiB`);
  }
  const { totalBytes, bitsPerWeight } = fileTypeSummary(plan, types);
  out.push(`file size ${totalBytes} bytes (${(totalBytes / 2 ** 20).toFixed(2)} MiB), ${bitsPerWeight.toFixed(2)} bits per weight`);
  process.stdout.write(`${out.join('\n')}\n`);
  const missing = hasImatrix ? [] : missingImportance(types, mix, null);
  if (missing.length) process.stderr.write(`warning: the real run needs an importance matrix (--imatrix): ${missingImportanceMessage(missing)}\n`);
}
