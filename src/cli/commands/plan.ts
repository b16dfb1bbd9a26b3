// quant-studio plan: a dynamic recipe. Measures every tensor's sensitivity on calibration text
// (cached in --sensitivity FILE), then chooses each tensor's type to minimise the predicted KL
// divergence under a size budget, and writes the recipe (and, on request, the same choices as
// llama-quantize's --tensor-type-file).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { allocateTypes, canAllocate, type AllocationTarget } from '../../core/dynamic/allocate.ts';
import { DEFAULT_CANDIDATES, EVERY_SIZE_CANDIDATES } from '../../core/dynamic/candidate-types.ts';
import { measureRecipeKlds } from '../../core/dynamic/measure-recipes.ts';
import { buildRecipe } from '../../core/dynamic/recipe.ts';
import type { MeasureMode, SensitivityTable } from '../../core/dynamic/sensitivity-types.ts';
import { recipeTensorTypeFile } from '../../core/dynamic/tensor-type-file.ts';
import { unmeasuredTable } from '../../core/dynamic/unmeasured-table.ts';
import { namedLadderRungs, verifiedAllocations } from '../../core/dynamic/verified-allocation.ts';
import { planGgufLayout } from '../../core/export/export-gguf.ts';
import { forwardModelFromPlan } from '../../core/forward/forward-model.ts';
import { planWeights } from '../../core/forward/weights.ts';
import { parseGgmlTypeName, type GgmlTypeName } from '../../core/ggml-type.ts';
import { imatrixMetadata } from '../../core/imatrix/imatrix-metadata.ts';
import { planModel } from '../../core/model/plan-model.ts';
import { chooseMixTypes, MIXES } from '../../core/recipe/llama-mixes.ts';
import { withOutputFiles } from '../../io/node-sink.node.ts';
import { refineProgressPrinter } from '../progress.ts';
import { reportVerified } from '../verified-report.ts';
import { parseBackend, parseCandidates, parseCheckChunkCounts, parseChunkCounts, parseCommandArgs, parseMix, parseObjective, parseRefine, parseThreads, parseTypeList } from '../args.ts';
import { openBackend, type Backend } from '../backend.ts';
import { CliError } from '../cli-error.ts';
import { openModelSource } from '../model-source.ts';
import { checkOutputPaths, modelFolderInputs, namedPaths } from '../output-paths.ts';
import { sensitivityTable } from '../sensitivity-table.ts';
import { loadImatrix } from './quantize.ts';
import { positiveInt } from './imatrix.ts';

const PACKAGE_JSON = path.resolve(import.meta.dirname, '../../../package.json');

function parseLocks(entries: readonly string[]): Map<string, GgmlTypeName> {
  return new Map(entries.map((e) => {
    const eq = e.lastIndexOf('=');
    const type = eq > 0 ? parseGgmlTypeName(e.slice(eq + 1)) : undefined;
    if (!type) throw new CliError(`--lock ${e}: expected TENSOR=TYPE, e.g. blk.0.attn_v.weight=Q8_0`);
    return [e.slice(0, eq), type];
  }));
}

function parseMeasure(value: string | undefined): MeasureMode {
  const v = value ?? 'layer';
  if (v !== 'all' && v !== 'probe' && v !== 'layer' && v !== 'none') throw new CliError(`--measure ${value}: expected all, probe, layer or none`);
  return v;
}

export async function planCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, {
    'target-size': { type: 'string' }, 'target-bpw': { type: 'string' }, 'target-mix': { type: 'string' },
    imatrix: { type: 'string' }, text: { type: 'string', short: 'f', multiple: true }, ctx: { type: 'string', short: 'c' }, chunks: { type: 'string' },
    allow: { type: 'string' }, candidates: { type: 'string' }, lock: { type: 'string', multiple: true },
    measure: { type: 'string' }, sensitivity: { type: 'string' }, 'tensor-type-file': { type: 'string' },
    backend: { type: 'string' }, threads: { type: 'string' }, output: { type: 'string', short: 'o' }, objective: { type: 'string' }, refine: { type: 'string' }, 'check-chunks': { type: 'string' },
  });
  if (positionals.length !== 1) throw new CliError('plan takes one model source');
  if (!values.output) throw new CliError('-o <recipe.json> is required');
  const targets = [values['target-size'], values['target-bpw'], values['target-mix']].filter((v) => v !== undefined);
  if (targets.length !== 1) throw new CliError('give exactly one of --target-size BYTES, --target-bpw X, --target-mix MIX');
  const measure = parseMeasure(values.measure);
  if (measure !== 'none' && !values.text) throw new CliError('--text <file> is required to measure the KL (or --measure none)');
  const allowed = values.allow ? parseTypeList(values.allow, '--allow') : undefined;
  let candidates = values.candidates ? parseCandidates(values.candidates) : (allowed ?? DEFAULT_CANDIDATES);
  const locks = parseLocks(values.lock ?? []);
  // Each sensitivity thread holds the model's weights as it replays them: at most 4 by default.
  const threadsWanted = parseThreads(values.threads, 4);
  const contextSize = positiveInt(values.ctx, '--ctx', 128)!;
  const chunkCounts = parseChunkCounts(values.chunks, values.text?.length ?? 0, 4);
  const backendChoice = parseBackend(values.backend);
  const objective = parseObjective(values.objective);
  const refine = parseRefine(values.refine);
  const checkChunkCounts = parseCheckChunkCounts(values['check-chunks'], values.text?.length ?? 0);
  const output = values.output;
  const typeFile = values['tensor-type-file'];
  const outputs = [output, ...(typeFile ? [typeFile] : [])];
  // The sensitivity cache is read and rewritten: no input may be it, and no other output.
  await checkOutputPaths(
    [{ label: '-o', path: output }, ...namedPaths('--tensor-type-file', typeFile), ...namedPaths('--sensitivity', values.sensitivity)],
    [...(await modelFolderInputs(positionals[0]!)), ...namedPaths('--imatrix', values.imatrix), ...namedPaths('--text', values.text)],
  );
  const imatrix = values.imatrix ? await loadImatrix(values.imatrix) : null;
  const version = (JSON.parse(await readFile(PACKAGE_JSON, 'utf8')) as { version: string }).version;

  // The recipe and the tensor-type file are renamed into place together, or neither is.
  const summary = await withOutputFiles(outputs, async (out) => {
    const files = await openModelSource(positionals[0]!);
    let backend: Backend | null = null;
    try {
      backend = await openBackend(backendChoice);
      const plan = await planModel(files);
      for (const name of locks.keys()) if (!plan.tensors.some((t) => t.ggufName === name)) throw new CliError(`--lock ${name}: the model has no such tensor`);
      const extraMetadata = imatrix ? imatrixMetadata(imatrix, values.imatrix!) : [];
      let target: AllocationTarget;
      if (values['target-mix']) {
        const mix = parseMix(values['target-mix']);
        const types = chooseMixTypes(plan, { mix, hasImatrix: imatrix !== null });
        target = { fileBytes: planGgufLayout(plan, types, MIXES[mix].ftype, extraMetadata).totalBytes };
      } else if (values['target-size']) {
        const n = Number(values['target-size']);
        if (!Number.isInteger(n) || n <= 0) throw new CliError(`--target-size ${values['target-size']}: expected a number of bytes`);
        target = { fileBytes: n };
      } else {
        const x = Number(values['target-bpw']);
        if (!(x > 0 && x <= 32)) throw new CliError(`--target-bpw ${values['target-bpw']}: expected bits per weight, e.g. 4.5`);
        target = { bitsPerWeight: x };
      }
      const allocate = (t: SensitivityTable, limit = allowed) => {
        try {
          return allocateTypes({ plan, table: t, target, locked: locks, allowed: limit, fileType: 0, extraMetadata });
        } catch (e) {
          throw new CliError((e as Error).message);
        }
      };
      // A size below the default types' reach (IQ1_M's, IQ2_XXS's) takes the 1-2 bit i-quants too, where an imatrix allows them.
      const reachable = (types: readonly GgmlTypeName[]) =>
        canAllocate({ plan, table: unmeasuredTable(plan, types, imatrix !== null), target, locked: locks, allowed, fileType: 0, extraMetadata });
      if (!values.candidates && !allowed && imatrix && !reachable(candidates) && reachable(EVERY_SIZE_CANDIDATES)) {
        candidates = [...EVERY_SIZE_CANDIDATES];
        process.stderr.write(`the target is below what ${DEFAULT_CANDIDATES.join(', ')} reach: measuring the 1-2 bit i-quants too (--candidates every-size)\n`);
      }
      // An unreachable target fails now, not after the measurement.
      allocate(unmeasuredTable(plan, candidates, imatrix !== null));
      const { table, modelId, fingerprint, calibrationHash, imatrixHash, allowed: requested, sequences, checkSequences } = await sensitivityTable({
        source: positionals[0]!, files, plan, backend, imatrix, textFiles: values.text ?? [], contextSize, chunkCounts, checkChunkCounts,
        candidates, measure, cacheFile: values.sensitivity, threads: threadsWanted,
      });
      // general.file_type is a u32 whatever the mix: any ftype gives the header's size.
      let allocation = allocate(table, allowed ?? requested);
      if (measure !== 'none' && sequences.length > 0) {
        // Checked whole against the allocations at the smaller sizes of llama.cpp's ladder (as compare does).
        const ladder = namedLadderRungs(plan, imatrix !== null, extraMetadata);
        const [v] = await verifiedAllocations({
          plan, table, allowed: allowed ?? requested, locked: locks, extraMetadata, rungs: ladder.map((r) => r.bytes), mixes: ladder, objective, refine,
          onRefine: refineProgressPrinter(),
          measure: (recipes) => measureRecipeKlds({ model: forwardModelFromPlan(plan), weights: planWeights(plan, files), quantizer: backend!.quantizer, imatrix: imatrix?.entries ?? null, sequences: checkSequences, recipes }),
        }, ['fileBytes' in target ? target.fileBytes : allocation.fileBytes]);
        reportVerified(v!, objective);
        allocation = v!.allocation;
      }
      const recipe = buildRecipe(plan, allocation, {
        model: modelId, modelFingerprint: fingerprint, imatrix: imatrixHash, calibration: calibrationHash, tool: `quant-studio ${version}`,
      }, target);
      await out.write(output, `${JSON.stringify(recipe, null, 2)}\n`);
      if (typeFile) await out.write(typeFile, recipeTensorTypeFile(recipe));
      return `wrote ${output}: ${recipe.fileBytes} bytes, ${recipe.bitsPerWeight.toFixed(3)} bpw, predicted KLD ${recipe.predictedKld?.toExponential(3)}, llama-quantize base ${recipe.baseMix}`;
    } finally {
      backend?.dispose();
      await files.close();
    }
  });
  process.stderr.write(`${summary}\n`);
}
