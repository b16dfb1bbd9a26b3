// quant-studio quantize: llama-quantize's options with llama-quantize's meaning, straight from
// a Hugging Face folder, or from a GGUF as llama-quantize itself.
import { readFile } from 'node:fs/promises';
import { exportGguf } from '../../core/export/export-gguf.ts';
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
import { NodeFileSource } from '../../io/node-files.node.ts';
import { withOutputFiles } from '../../io/node-sink.node.ts';
import { parseBackend, parseCommandArgs, parseMix } from '../args.ts';
import { openBackend } from '../backend.ts';
import { CliError, inputFailure } from '../cli-error.ts';
import { openModelSource } from '../model-source.ts';
import { checkOutputPaths, modelFolderInputs, namedPaths } from '../output-paths.ts';
import { exportProgressPrinter } from '../progress.ts';
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
  });
  const split = parseSplitOptions(values);
  if (positionals.length !== 1) throw new CliError('quantize takes one model: a folder, a .gguf file or hf://owner/repo[/file.gguf]');
  if (values['dry-run'] && values.output) throw new CliError('--dry-run writes nothing: leave out -o');
  if (!values.output && !values['dry-run']) throw new CliError('-o <out.gguf> is required');
  // A recipe fixes every tensor's type: the mix options would contradict it.
  const mixOptions = ['type', 'tensor-type', 'tensor-type-file', 'output-tensor-type', 'token-embedding-type', 'pure', 'leave-output-tensor'] as const;
  if (values.recipe && mixOptions.some((k) => values[k] !== undefined)) throw new CliError(`--recipe fixes every tensor's type; it cannot be combined with --${mixOptions.find((k) => values[k] !== undefined)}`);
  const output = values.output;
  if (output) {
    await checkOutputPaths([{ label: '-o', path: output }], [
    ...(await modelFolderInputs(positionals[0]!)), ...namedPaths('--imatrix', values.imatrix), ...namedPaths('--recipe', values.recipe),
      ...namedPaths('--tensor-type-file', values['tensor-type-file']),
    ]);
  }
  const recipe: Recipe | null = values.recipe
    ? await readFile(values.recipe, 'utf8').then((text) => asCliError(() => parseRecipe(text, values.recipe!)), inputFailure(`--recipe ${values.recipe}`))
    : null;
  const mix = recipe ? recipe.baseMix : parseMix(values.type);
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
  const chooseTypes = (plan: ModelPlan, dryRun: boolean) => {
    const types = asCliError(() => recipe ? recipeTypes(plan, recipe, values.recipe) :
      chooseMixTypes(plan, {
        mix, hasImatrix: imatrix !== null, pure: values.pure, overrides, outputTensorType, tokenEmbeddingType,
        leaveOutputTensor: values['leave-output-tensor'], allowMissingImatrix: dryRun,
      }),
    );
    // A GGUF source already quantized: llama-quantize's refusal, before anything is read or written.
    const requantized = requantizedTensors(plan, types);
    if (requantized.length && !values['allow-requantize'] && !dryRun) throw new CliError(requantizeRefusal(requantized[0]!, requantized.length));
    return types;
  };

  if (!output) {
    const files = await openModelSource(positionals[0]!);
    try {
      const { plan } = prepare(await planModel(files));
      printDryRun(files.label, plan, chooseTypes(plan, true), mix, imatrix !== null);
    } finally {
      await files.close();
    }
    return;
  }

  const files = await openModelSource(positionals[0]!);
  try {
    const planned = await planModel(files);
    const { plan, imatrixEntries, pruneKvs } = prepare(split?.keepSplit ? inSourceOrder(planned) : planned);
    const types = chooseTypes(plan, false);
    const fileType = MIXES[mix].ftype;
    // In llama-quantize's order: --override-kv values, the imatrix's keys, then the pruned block count.
    const extraMetadata = [...kvOverrides, ...(imatrix ? imatrixMetadata(imatrix, values.imatrix!) : []), ...pruneKvs];
    const shards = split ? splitOutput(output, plan, types, fileType, extraMetadata, split) : null;
    if (shards) await checkOutputPaths(shards.targets.map((path) => ({ label: '-o', path })), await modelFolderInputs(positionals[0]!));
    const targets = shards?.targets ?? [output];
    // The line is printed once the files are in place.
    const summary = await withOutputFiles(targets, async (out) => {
      const backend = await openBackend(backendChoice);
      try {
        const started = performance.now();
        const sink = shards ? shards.sink((target) => out.sink(target)) : out.sink(output);
        const { bytesWritten } = await exportGguf({
          plan, types, files, quantizer: backend.quantizer, sink: files.guardSink(sink), fileType,
          imatrix: imatrixEntries, extraMetadata, onProgress: exportProgressPrinter(),
        });
        const seconds = (performance.now() - started) / 1000;
        const where = targets.length > 1 ? `${targets.length} files ${targets[0]} … ${targets.at(-1)}` : targets[0];
        return `wrote ${where}: ${bytesWritten} bytes, ${plan.tensors.length} tensors, ${mix}, ${seconds.toFixed(2)} s on ${backend.description}`;
      } finally {
        backend.dispose();
      }
    });
    process.stderr.write(`${summary}\n`);
  } finally {
    await files.close();
  }
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
