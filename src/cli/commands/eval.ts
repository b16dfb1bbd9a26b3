// quant-studio eval: llama-perplexity --kl-divergence of a quantized GGUF against the model's
// own safetensors, on the CPU reference forward, printed as llama-perplexity prints it; with
// --choices, also the answers that flip on a multiple-choice set; with --domain NAME=FILE (any
// number, instead of --text), the figures per text domain; with --prompts, how many greedy
// continuations stay the unquantized model's.
import { readFile, stat } from 'node:fs/promises';
import { choiceFlips } from '../../core/eval/choice-flips.ts';
import { greedyAgreement, greedyContinuations, parsePrompts, type GreedyAgreement } from '../../core/eval/greedy-agreement.ts';
import { flipDirections, parseChoiceTasks } from '../../core/eval/choice-tasks.ts';
import { evaluateKld, type EvaluatedModel } from '../../core/eval/evaluate-kld.ts';
import type { KldReport } from '../../core/eval/kld-report.ts';
import { forwardModelFromGguf, forwardModelFromPlan } from '../../core/forward/forward-model.ts';
import { loadTextTokenizer } from '../../core/forward/tokenize.ts';
import { ggufWeights, planWeights } from '../../core/forward/weights.ts';
import { readGgufInfo } from '../../core/gguf/read-gguf.ts';
import { planModel } from '../../core/model/plan-model.ts';
import { NodeFileSource } from '../../io/node-files.node.ts';
import { openModelSource } from '../model-source.ts';
import { parseCommandArgs, parseDomains, parseThreads } from '../args.ts';
import { withMatmulThreads } from '../matmul-threads.ts';
import { CliError, inputFailure } from '../cli-error.ts';
import { clearProgressLine } from '../progress.ts';
import { positiveInt } from './imatrix.ts';

function formatReport(r: KldReport): string {
  const f = (v: number, d = 6) => v.toFixed(d).padStart(10);
  const pct = (v: number) => (100 * v).toFixed(3).padStart(6);
  return [
    '====== Perplexity statistics ======',
    `Mean PPL(Q)                   : ${f(r.pplQuant.value)} ± ${f(r.pplQuant.error)}`,
    `Mean PPL(base)                : ${f(r.pplBase.value)} ± ${f(r.pplBase.error)}`,
    `Cor(ln(PPL(Q)), ln(PPL(base))): ${(100 * r.lnPplCorrelation).toFixed(2).padStart(6)}%`,
    `Mean ln(PPL(Q)/PPL(base))     : ${f(r.lnPplRatio.value)} ± ${f(r.lnPplRatio.error)}`,
    `Mean PPL(Q)/PPL(base)         : ${f(r.pplRatio.value)} ± ${f(r.pplRatio.error)}`,
    `Mean PPL(Q)-PPL(base)         : ${f(r.pplDiff.value)} ± ${f(r.pplDiff.error)}`,
    '',
    '====== KL divergence statistics ======',
    `Mean    KLD: ${f(r.kld.mean.value)} ± ${f(r.kld.mean.error)}`,
    `Maximum KLD: ${f(r.kld.max)}`, `99.9%   KLD: ${f(r.kld.p99_9)}`, `99.0%   KLD: ${f(r.kld.p99)}`,
    `95.0%   KLD: ${f(r.kld.p95)}`, `90.0%   KLD: ${f(r.kld.p90)}`, `Median  KLD: ${f(r.kld.median)}`,
    `10.0%   KLD: ${f(r.kld.p10)}`, ` 5.0%   KLD: ${f(r.kld.p5)}`, ` 1.0%   KLD: ${f(r.kld.p1)}`,
    ` 0.1%   KLD: ${f(r.kld.p0_1)}`, `Minimum KLD: ${f(r.kld.min)}`,
    '',
    '====== Token probability statistics ======',
    `Mean    Δp: ${pct(r.deltaP.mean.value)} ± ${(100 * r.deltaP.mean.error).toFixed(3)} %`,
    `Maximum Δp: ${pct(r.deltaP.max)}%`, `99.9%   Δp: ${pct(r.deltaP.p99_9)}%`, `99.0%   Δp: ${pct(r.deltaP.p99)}%`,
    `95.0%   Δp: ${pct(r.deltaP.p95)}%`, `90.0%   Δp: ${pct(r.deltaP.p90)}%`, `75.0%   Δp: ${pct(r.deltaP.p75)}%`,
    `Median  Δp: ${pct(r.deltaP.median)}%`, `25.0%   Δp: ${pct(r.deltaP.p25)}%`, `10.0%   Δp: ${pct(r.deltaP.p10)}%`,
    ` 5.0%   Δp: ${pct(r.deltaP.p5)}%`, ` 1.0%   Δp: ${pct(r.deltaP.p1)}%`, ` 0.1%   Δp: ${pct(r.deltaP.p0_1)}%`,
    `Minimum Δp: ${pct(r.deltaP.min)}%`,
    `RMS Δp    : ${pct(r.rmsDeltaP.value)} ± ${(100 * r.rmsDeltaP.error).toFixed(3)} %`,
    `Same top p: ${pct(r.sameTop.value)} ± ${(100 * r.sameTop.error).toFixed(3)} %`,
  ].join('\n');
}

function formatChoices(c: Record<string, unknown>): string {
  const n = c.questions as number;
  const lines = ['', '====== Multiple choice ======', `Questions   : ${n}`, `Flips       : ${(c.flips as number[]).length} (${c.correctToWrong} right → wrong, ${c.wrongToCorrect} wrong → right, ${c.other} other)`];
  if (c.baseCorrect !== null) lines.push(`Correct     : base ${c.baseCorrect}/${n}, quantized ${c.quantCorrect}/${n}`);
  return lines.join('\n');
}

function formatDomainTable(domains: readonly { name: string; report: KldReport }[]): string {
  const rows = domains.map((d) => `${d.name.padEnd(14)} ${d.report.kld.mean.value.toFixed(6).padStart(10)} ${d.report.kld.median.toFixed(6).padStart(10)} ${d.report.kld.p99.toFixed(6).padStart(10)} ${d.report.kld.p99_9.toFixed(6).padStart(10)} ${(100 * d.report.sameTop.value).toFixed(3).padStart(8)}% ${d.report.pplRatio.value.toFixed(6).padStart(10)}`);
  return ['', '====== Per domain ======', `${'domain'.padEnd(14)} ${'mean KLD'.padStart(10)} ${'median'.padStart(10)} ${'99%'.padStart(10)} ${'99.9%'.padStart(10)} ${'same top'.padStart(9)} ${'PPL ratio'.padStart(10)}`, ...rows].join('\n');
}

function formatGreedy(g: GreedyAgreement): string {
  return ['', '====== Greedy continuations ======', `Prompts     : ${g.prompts}, ${g.tokens} tokens each`,
    `Identical   : ${(100 * g.identical).toFixed(1)}% of continuations`, `Agreed      : ${g.meanAgreedPrefix.toFixed(2)} tokens before the first difference, on average`,
    `Top token   : ${(100 * g.tokenAgreement).toFixed(2)}% of positions (fed the unquantized continuation)`].join('\n');
}

/** The answers of a --choices set that flip between the two models. */
async function choiceReport(file: string, encode: (text: string) => number[], base: EvaluatedModel, quant: EvaluatedModel, llamaCpuNumerics: boolean): Promise<Record<string, unknown>> {
  const jsonl = await readFile(file, 'utf8').catch(inputFailure(`--choices ${file}`));
  let tasks;
  try {
    tasks = parseChoiceTasks(jsonl, encode, file);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const r = await choiceFlips(base, quant, tasks, llamaCpuNumerics);
  return { questions: tasks.length, flips: r.flips, ...flipDirections(tasks, r), baseCorrect: r.baseCorrect ?? null, quantCorrect: r.quantCorrect ?? null };
}

export async function evalCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, {
    text: { type: 'string', short: 'f' },
    ctx: { type: 'string', short: 'c' },
    chunks: { type: 'string' },
    threads: { type: 'string' },
    json: { type: 'boolean' },
    'exact-f32': { type: 'boolean' },
    choices: { type: 'string' },
    domain: { type: 'string', multiple: true },
    prompts: { type: 'string' },
    'greedy-tokens': { type: 'string' },
  });
  if (positionals.length !== 2) throw new CliError('eval takes the unquantized model (a folder, a .gguf file or hf://owner/repo[/file.gguf]) and a quantized GGUF');
  if (!values.text && !values.domain) throw new CliError('--text <file> is required (or --domain NAME=FILE, one per text domain)');
  if (values.text && values.domain) throw new CliError('give --text or --domain NAME=FILE, not both (a --domain per text)');
  const contextSize = positiveInt(values.ctx, '--ctx', 512)!;
  const maxChunks = positiveInt(values.chunks, '--chunks', undefined);
  const threads = parseThreads(values.threads, 8);
  const texts = values.text
    ? [{ name: null, text: await readFile(values.text, 'utf8').catch(inputFailure(`--text ${values.text}`)) }]
    : await Promise.all(parseDomains(values.domain!).map(async (d) => ({ name: d.name, text: await readFile(d.file, 'utf8').catch(inputFailure(`--domain ${d.name}=${d.file}`)) })));
  const promptText = values.prompts ? await readFile(values.prompts, 'utf8').catch(inputFailure(`--prompts ${values.prompts}`)) : null;
  const greedyTokens = positiveInt(values['greedy-tokens'], '--greedy-tokens', 32)!;
  const quantPath = positionals[1]!;
  const size = await stat(quantPath).then((s) => s.size, inputFailure(`${quantPath}`));
  const files = await openModelSource(positionals[0]!);
  const source = new NodeFileSource(quantPath, quantPath, size);
  try {
    const plan = await planModel(files);
    const tokenizer = await loadTextTokenizer(files);
    const info = await readGgufInfo(source);
    const base = (): EvaluatedModel => ({ model: forwardModelFromPlan(plan), weights: planWeights(plan, files) });
    const quant = async (): Promise<EvaluatedModel> => ({ model: forwardModelFromGguf(info, quantPath), weights: await ggufWeights(source, info) });
    const llamaCpuNumerics = !values['exact-f32'];
    const { domains, choices, greedy } = await withMatmulThreads(threads, async () => {
      const domains: { name: string | null; chunks: number; report: KldReport }[] = [];
      for (const t of texts) {
        const { report, chunks } = await evaluateKld(base(), await quant(), tokenizer.encode(t.text), {
          contextSize, maxChunks, bos: tokenizer.bos,
          // Default: llama.cpp's CPU numerics, so the figures compare with llama-perplexity's.
          llamaCpuNumerics,
          onProgress: (stage, done, total) => { if (process.stderr.isTTY) process.stderr.write(`\r${t.name ? `${t.name}: ` : ''}${stage}: ${done}/${total} chunks`); },
        });
        domains.push({ name: t.name, chunks, report });
      }
      const choices = values.choices ? await choiceReport(values.choices, tokenizer.encode, base(), await quant(), llamaCpuNumerics) : null;
      let greedy: GreedyAgreement | null = null;
      if (promptText !== null) {
        const prompts = parsePrompts(promptText, tokenizer.encode, values.prompts!);
        const continuations = await greedyContinuations(base(), prompts, greedyTokens, { llamaCpuNumerics, eos: tokenizer.eos });
        greedy = await greedyAgreement(await quant(), continuations, { llamaCpuNumerics });
      }
      return { domains, choices, greedy };
    });
    process.stderr.write(clearProgressLine());
    const extras = { ...(choices ? { choices } : {}), ...(greedy ? { greedy } : {}) };
    if (values.json) {
      const body = values.text
        ? { chunks: domains[0]!.chunks, contextSize, ...domains[0]!.report }
        : { contextSize, domains: domains.map((d) => ({ domain: d.name, chunks: d.chunks, ...d.report })) };
      process.stdout.write(`${JSON.stringify({ ...body, ...extras }, null, 2)}\n`);
    } else {
      for (const d of domains) {
        process.stdout.write(`\n${d.name ? `###### domain ${d.name}: ` : ''}${d.chunks} chunks of ${contextSize} tokens, ${d.report.positions} scored positions\n${formatReport(d.report)}\n`);
      }
      if (domains.length > 1) process.stdout.write(`${formatDomainTable(domains as { name: string; report: KldReport }[])}\n`);
      if (choices) process.stdout.write(`${formatChoices(choices)}\n`);
      if (greedy) process.stdout.write(`${formatGreedy(greedy)}\n`);
    }
  } finally {
    await source.close();
    await files.close();
  }
}
