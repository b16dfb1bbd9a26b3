// quant-studio compare: llama.cpp's mixes against dynamic recipes of the same size, every size from
// one sensitivity measurement (cached like plan's). Without evaluation text it tables the
// predicted KL; with --domain NAME=FILE (any number) it writes every file into the output folder
// from one read of the model and measures each one on each domain against the unquantized model
// (llama-perplexity's KLD statistics on the CPU forward with llama.cpp's numerics), and with
// --prompts the greedy-continuation agreement. Writes comparison.md, comparison.json and
// comparison.svg (a chart a model card can carry) beside the files.
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { canAllocate } from '../../core/dynamic/allocate.ts';
import { budgetRange } from '../../core/dynamic/budget-range.ts';
import { DEFAULT_CANDIDATES, EVERY_SIZE_CANDIDATES } from '../../core/dynamic/candidate-types.ts';
import { unmeasuredTable } from '../../core/dynamic/unmeasured-table.ts';
import type { GgmlTypeName } from '../../core/ggml-type.ts';
import { predictKld } from '../../core/dynamic/predict.ts';
import { measureRecipeKlds } from '../../core/dynamic/measure-recipes.ts';
import { baseMixFor } from '../../core/dynamic/recipe.ts';
import type { MeasureMode, SensitivityTable } from '../../core/dynamic/sensitivity-types.ts';
import { LADDER_MIXES, namedLadderRungs, verifiedAllocations, verifiedOrigin, type AllocationObjective } from '../../core/dynamic/verified-allocation.ts';
import { comparisonMarkdown, comparisonSvg, domainMeasures, pairVerdicts, type ComparedFile, type Comparison } from '../../core/eval/comparison-report.ts';
import { chooseAnswers } from '../../core/eval/choice-flips.ts';
import { parseChoiceTasks } from '../../core/eval/choice-tasks.ts';
import { evaluateKldOfEach, type EvaluatedModel } from '../../core/eval/evaluate-kld.ts';
import { greedyAgreement, greedyContinuations, parsePrompts } from '../../core/eval/greedy-agreement.ts';
import { exportGgufs, planGgufLayout } from '../../core/export/export-gguf.ts';
import { forwardModelFromGguf, forwardModelFromPlan } from '../../core/forward/forward-model.ts';
import { loadTextTokenizer } from '../../core/forward/tokenize.ts';
import { ggufWeights, planWeights } from '../../core/forward/weights.ts';
import { readGgufInfo } from '../../core/gguf/read-gguf.ts';
import { imatrixMetadata } from '../../core/imatrix/imatrix-metadata.ts';
import { planModel } from '../../core/model/plan-model.ts';
import type { ModelPlan, TensorTypes } from '../../core/model/plan-types.ts';
import { chooseMixTypes, MIXES } from '../../core/recipe/llama-mixes.ts';
import type { MixName } from '../../core/recipe/mix-names.ts';
import { NodeFileSource } from '../../io/node-files.node.ts';
import { withOutputFiles } from '../../io/node-sink.node.ts';
import { parseBackend, parseCheckChunkCounts, parseChunkCounts, parseCommandArgs, parseDomains, parseCandidates, parseMix, parseObjective, parseRefine, parseThreads } from '../args.ts';
import { openBackend } from '../backend.ts';
import { CliError, inputFailure } from '../cli-error.ts';
import { withMatmulThreads } from '../matmul-threads.ts';
import { openModelSource } from '../model-source.ts';
import { checkOutputPaths, modelFolderInputs, namedPaths } from '../output-paths.ts';
import { clearProgressLine, refineProgressPrinter } from '../progress.ts';
import { sensitivityTable } from '../sensitivity-table.ts';
import { reportVerified } from '../verified-report.ts';
import { positiveInt } from './imatrix.ts';
import { loadImatrix } from './quantize.ts';

/** The ladder's mixes from Q2_K to Q6_K: the sizes people download most. */
export const DEFAULT_COMPARED_MIXES: readonly MixName[] = LADDER_MIXES.slice(LADDER_MIXES.indexOf('Q2_K'), LADDER_MIXES.indexOf('Q6_K') + 1);

interface PlannedFile {
  file: ComparedFile;
  types: TensorTypes;
  fileType: number;
  path: string;
}

const elementsOf = (plan: ModelPlan) => plan.tensors.reduce((n, t) => n + t.ne.reduce((a, b) => a * b, 1), 0);

export async function compareCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, {
    imatrix: { type: 'string' }, text: { type: 'string', short: 'f', multiple: true }, ctx: { type: 'string', short: 'c' }, chunks: { type: 'string' },
    candidates: { type: 'string' }, measure: { type: 'string' }, sensitivity: { type: 'string' }, mixes: { type: 'string' },
    domain: { type: 'string', multiple: true }, 'eval-ctx': { type: 'string' }, 'eval-chunks': { type: 'string' },
    prompts: { type: 'string' }, 'greedy-tokens': { type: 'string' }, choices: { type: 'string' }, 'target-ratio': { type: 'string' },
    backend: { type: 'string' }, threads: { type: 'string' }, output: { type: 'string', short: 'o' }, objective: { type: 'string' },
    refine: { type: 'string' }, 'check-chunks': { type: 'string' },
  });
  if (positionals.length !== 1) throw new CliError('compare takes one model source');
  if (!values.output) throw new CliError('-o <folder> is required (comparison.md, .json, .svg and the compared files go there)');
  if (!values.text) throw new CliError('--text <file> is required: the calibration text the sensitivity is measured on (repeat it for several domains)');
  const mixes = values.mixes ? values.mixes.split(',').map((m) => parseMix(m.trim())) : [...DEFAULT_COMPARED_MIXES];
  const domains = parseDomains(values.domain ?? []);
  let candidates = values.candidates ? parseCandidates(values.candidates) : [...DEFAULT_CANDIDATES];
  const measure = (values.measure ?? 'layer') as MeasureMode;
  if (!['all', 'probe', 'layer'].includes(measure)) throw new CliError(`--measure ${values.measure}: expected all, probe or layer`);
  const contextSize = positiveInt(values.ctx, '--ctx', 128)!;
  const chunkCounts = parseChunkCounts(values.chunks, values.text.length, 4);
  const evalContext = positiveInt(values['eval-ctx'], '--eval-ctx', 512)!;
  const evalChunks = positiveInt(values['eval-chunks'], '--eval-chunks', undefined);
  const greedyTokens = positiveInt(values['greedy-tokens'], '--greedy-tokens', 32)!;
  const refine = parseRefine(values.refine);
  const checkChunkCounts = parseCheckChunkCounts(values['check-chunks'], values.text?.length ?? 0);
  const targetRatio = values['target-ratio'] === undefined ? 0.5 : Number(values['target-ratio']);
  if (!(targetRatio > 0)) throw new CliError(`--target-ratio ${values['target-ratio']}: expected a positive number, e.g. 0.5`);
  const threads = parseThreads(values.threads, 4);
  const backendChoice = parseBackend(values.backend);
  const objective = parseObjective(values.objective);
  const dir = values.output;
  const measuring = domains.length > 0 || values.prompts !== undefined || values.choices !== undefined;
  const source = positionals[0]!;
  const reportPaths = ['comparison.md', 'comparison.json', 'comparison.svg'].map((n) => path.join(dir, n));
  const inputs = [...(await modelFolderInputs(source)), ...namedPaths('--imatrix', values.imatrix), ...namedPaths('--text', values.text),
    ...namedPaths('--prompts', values.prompts), ...namedPaths('--choices', values.choices), ...namedPaths('--domain', domains.map((d) => d.file))];
  // Every text is read before anything is written or measured, so that a wrong path fails at once.
  const domainTexts = await Promise.all(domains.map(async (d) => ({ ...d, text: await readFile(d.file, 'utf8').catch(inputFailure(`--domain ${d.name}=${d.file}`)) })));
  const promptText = values.prompts ? await readFile(values.prompts, 'utf8').catch(inputFailure(`--prompts ${values.prompts}`)) : null;
  const choicesText = values.choices ? await readFile(values.choices, 'utf8').catch(inputFailure(`--choices ${values.choices}`)) : null;
  await mkdir(dir, { recursive: true }).catch(inputFailure(`-o ${dir}`));
  await checkOutputPaths([...reportPaths.map((p) => ({ label: '-o', path: p })), ...namedPaths('--sensitivity', values.sensitivity)], inputs);
  const imatrix = values.imatrix ? await loadImatrix(values.imatrix) : null;
  const extraMetadata = imatrix ? imatrixMetadata(imatrix, values.imatrix!) : [];

  const files = await openModelSource(source);
  try {
    const plan = await planModel(files);
    const backend = await openBackend(backendChoice);
    let planned: PlannedFile[];
    const skipped: string[] = [];
    try {
      const mixBytes = (mix: MixName) => planGgufLayout(plan, chooseMixTypes(plan, { mix, hasImatrix: imatrix !== null }), MIXES[mix].ftype, extraMetadata).totalBytes;
      const reachesWith = (t: SensitivityTable, limit: readonly GgmlTypeName[] | undefined, fileBytes: number) =>
        canAllocate({ plan, table: t, target: { fileBytes }, allowed: limit, fileType: 0, extraMetadata });
      const reaches = (types: readonly GgmlTypeName[], fileBytes: number) => reachesWith(unmeasuredTable(plan, types, imatrix !== null), undefined, fileBytes);
      // Mixes below the default types' reach (IQ1_M, IQ2_XXS …) are compared with the 1-2 bit i-quants measured too.
      if (!values.candidates && imatrix && mixes.some((m) => !reaches(DEFAULT_CANDIDATES, mixBytes(m)))) {
        candidates = [...EVERY_SIZE_CANDIDATES];
        process.stderr.write('a compared mix is smaller than the default types reach: measuring the 1-2 bit i-quants too (--candidates every-size)\n');
      }
      const { table, allowed, checkSequences } = await sensitivityTable({
        source, files, plan, backend, imatrix, textFiles: values.text, contextSize, chunkCounts, checkChunkCounts, candidates, measure, cacheFile: values.sensitivity, threads,
      });
      const elements = elementsOf(plan);
      const range = budgetRange(plan, table, new Map(), allowed ?? null);
      planned = [];
      const compared: { mix: MixName; mixTypes: TensorTypes; bytes: number; bpw: number }[] = [];
      for (const mix of mixes) {
        const mixTypes = chooseMixTypes(plan, { mix, hasImatrix: imatrix !== null, allowMissingImatrix: false });
        const layout = planGgufLayout(plan, mixTypes, MIXES[mix].ftype, extraMetadata);
        const bpw = (layout.tensorSizes.reduce((a, b) => a + b, 0) * 8) / elements;
        if (!reachesWith(table, allowed, layout.totalBytes)) {
          // Below the smallest file the candidates make (add lower types to --candidates to reach it).
          skipped.push(`${mix} (${bpw.toFixed(2)} bpw): below the smallest file the candidates make (${range.min.toFixed(2)}–${range.max.toFixed(2)} bpw)`);
          continue;
        }
        compared.push({ mix, mixTypes, bytes: layout.totalBytes, bpw });
      }
      if (compared.length === 0) throw new CliError(`none of the mixes can be compared: ${skipped.join('; ')}`);
      // Each size's allocation, checked whole against those at the smaller sizes of llama.cpp's ladder.
      const ladder = namedLadderRungs(plan, imatrix !== null, extraMetadata);
      const verified = await verifiedAllocations({
        plan, table, allowed, extraMetadata, rungs: ladder.map((r) => r.bytes), mixes: ladder, objective, refine,
        onRefine: refineProgressPrinter(),
        measure: (recipes) => {
          process.stderr.write(`measuring ${recipes.length} recipes whole on ${checkSequences.length} chunks\n`);
          return measureRecipeKlds({ model: forwardModelFromPlan(plan), weights: planWeights(plan, files), quantizer: backend.quantizer, imatrix: imatrix?.entries ?? null, sequences: checkSequences, recipes });
        },
      }, compared.map((c) => c.bytes));
      compared.forEach((c, i) => {
        const v = verified[i]!;
        const a = v.allocation;
        const origin = verifiedOrigin(v);
        reportVerified(v, objective, `at ${c.mix}'s size `);
        planned.push({
          file: { name: c.mix, kind: 'mix', sizeOf: c.mix, bytes: c.bytes, bitsPerWeight: c.bpw, predictedKld: predictKld(table, c.mixTypes), domains: [] },
          types: c.mixTypes, fileType: MIXES[c.mix].ftype, path: path.join(dir, `${c.mix}.gguf`),
        });
        planned.push({
          file: {
            name: `dynamic@${c.mix}`, kind: 'dynamic', sizeOf: c.mix, bytes: a.fileBytes, bitsPerWeight: a.bitsPerWeight, predictedKld: a.predictedKld, domains: [],
            ...(origin ? { origin } : {}),
          },
          types: a.types, fileType: MIXES[baseMixFor(plan, a.types)].ftype, path: path.join(dir, `dynamic-${c.mix}.gguf`),
        });
      });
      for (const s of skipped) process.stderr.write(`skipped ${s}\n`);
      if (measuring) {
        await checkOutputPaths(planned.map((p) => ({ label: '-o', path: p.path })), inputs);
        const started = performance.now();
        await withOutputFiles(planned.map((p) => p.path), async (out) => {
          await exportGgufs({
            plan, files, quantizer: backend.quantizer, imatrix: imatrix?.entries ?? null,
            targets: planned.map((p) => ({ types: p.types, fileType: p.fileType, extraMetadata, sink: files.guardSink(out.sink(p.path)) })),
          });
        });
        process.stderr.write(`wrote ${planned.length} files in ${((performance.now() - started) / 1000).toFixed(1)} s on ${backend.description}\n`);
      }
    } finally {
      backend.dispose();
    }

    if (measuring) {
      const tokenizer = await loadTextTokenizer(files);
      const base = (): EvaluatedModel => ({ model: forwardModelFromPlan(plan), weights: planWeights(plan, files) });
      const sources: NodeFileSource[] = [];
      const quant = (p: PlannedFile) => async (): Promise<EvaluatedModel> => {
        const size = (await stat(p.path)).size;
        const s = new NodeFileSource(p.path, p.path, size);
        sources.push(s);
        const info = await readGgufInfo(s);
        return { model: forwardModelFromGguf(info, p.path), weights: await ggufWeights(s, info) };
      };
      const progress = (what: string) => { if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${what}`); };
      try {
        await withMatmulThreads(threads, async () => {
          for (const d of domainTexts) {
            let scored = 0;
            const results = await evaluateKldOfEach(base(), planned.map(quant), tokenizer.encode(d.text), {
              contextSize: evalContext, maxChunks: evalChunks, bos: tokenizer.bos, llamaCpuNumerics: true,
              onProgress: (stage, done, total) => {
                if (stage === 'quant' && done === total) scored++;
                progress(`${d.name}: ${stage === 'base' ? 'unquantized' : planned[Math.min(scored, planned.length - 1)]!.file.name} ${done}/${total} chunks`);
              },
            });
            results.forEach((r, i) => planned[i]!.file.domains.push(domainMeasures(d.name, r.report)));
            await Promise.all(sources.splice(0).map((s) => s.close()));
          }
          if (promptText !== null) {
            const prompts = parsePrompts(promptText, tokenizer.encode, values.prompts!);
            const eos = tokenizer.eos;
            const continuations = await greedyContinuations(base(), prompts, greedyTokens, {
              llamaCpuNumerics: true, eos, onProgress: (done, total) => progress(`greedy: unquantized ${done}/${total} tokens`),
            });
            for (const p of planned) {
              progress(`greedy: ${p.file.name}`);
              p.file.greedy = await greedyAgreement(await quant(p)(), continuations, { llamaCpuNumerics: true });
              await Promise.all(sources.splice(0).map((s) => s.close()));
            }
          }
          if (choicesText !== null) {
            let tasks;
            try {
              tasks = parseChoiceTasks(choicesText, tokenizer.encode, values.choices!);
            } catch (e) {
              throw new CliError((e as Error).message);
            }
            progress('multiple choice: unquantized');
            const baseChoice = await chooseAnswers(base(), tasks, true);
            for (const p of planned) {
              progress(`multiple choice: ${p.file.name}`);
              const chosen = await chooseAnswers(await quant(p)(), tasks, true);
              p.file.choices = { questions: tasks.length, flips: chosen.filter((c, i) => c !== baseChoice[i]).length };
              await Promise.all(sources.splice(0).map((s) => s.close()));
            }
          }
        });
      } finally {
        await Promise.all(sources.map((s) => s.close()));
        process.stderr.write(clearProgressLine());
      }
    }

    const comparison: Comparison = {
      model: source.startsWith('hf://') ? source.slice('hf://'.length) : path.basename(path.resolve(source)),
      calibration: calibrationLine({ texts: values.text, imatrix: values.imatrix, measure, chunkCounts, contextSize, checkChunkCounts, objective, refine }),
      domains: domains.map((d) => d.name),
      targetRatio,
      files: planned.map((p) => p.file),
    };
    const markdown = comparisonMarkdown(comparison) + (skipped.length ? `\nNot compared: ${skipped.join('; ')}.\n` : '');
    const json = JSON.stringify({ ...comparison, skipped, verdicts: pairVerdicts(comparison).map(({ mixFile: _m, dynamicFile: _d, ...v }) => v) }, null, 2);
    await withOutputFiles(reportPaths, async (out) => {
      await out.write(reportPaths[0]!, markdown);
      await out.write(reportPaths[1]!, `${json}\n`);
      await out.write(reportPaths[2]!, comparisonSvg(comparison));
    });
    process.stdout.write(markdown);
  } finally {
    await files.close();
  }
}

/** How each --measure mode finds a tensor's cost at each candidate type, as the calibration line says it. */
const MEASURE_WORDS: Record<MeasureMode, string> = {
  all: 'every candidate measured at the output',
  probe: 'two types per tensor measured at the output, the rest fitted',
  layer: 'fast: two types per tensor through their own layer, the rest fitted',
  none: 'priors only',
};

/**
 * How the recipes were calibrated and chosen, in the report's words: texts, imatrix, how the
 * sensitivity was measured and on which chunks, the whole-recipe check and its search.
 */
function calibrationLine(o: {
  texts: string[]; imatrix: string | undefined; measure: MeasureMode; chunkCounts: number[]; contextSize: number; checkChunkCounts: number[] | undefined;
  objective: AllocationObjective; refine: number;
}): string {
  const sensitivity = `sensitivity (${MEASURE_WORDS[o.measure]}) on the last ${o.chunkCounts.join('/')} chunks of ${o.contextSize} tokens of ${o.texts.length > 1 ? 'each' : 'it'}`;
  const checkedOn = o.checkChunkCounts ? ` on the last ${o.checkChunkCounts.join('/')} chunks` : '';
  const searched = o.refine ? `, then ${o.refine} nearby recipes measured per size` : '';
  const check = `each size's allocation checked whole${checkedOn} against the smaller sizes' and the mixes by ${o.objective === 'tail' ? 'the 99th-percentile' : 'the mean'} KL${searched}`;
  return `${o.texts.map((t) => path.basename(t)).join(' + ')} (imatrix ${o.imatrix ? path.basename(o.imatrix) : 'none'}; ${sensitivity}; ${check})`;
}
