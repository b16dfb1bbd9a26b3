// llama-perplexity --kl-divergence on the reference forward: the base model's scored positions
// stored (see kld-chunks.ts for what is scored), then the quantized model scored against them.
import type { ForwardModel, WeightSource } from '../forward/forward-types.ts';
import { runForward } from '../forward/run-forward.ts';
import { encodeBaseLogProbs } from './base-log-probs.ts';
import { kldChunks } from './kld-chunks.ts';
import { KldAccumulator } from './kld-accumulator.ts';
import { kldReport, type KldReport } from './kld-report.ts';

export interface EvaluatedModel {
  model: ForwardModel;
  weights: WeightSource;
}

export interface KldOptions {
  contextSize?: number;
  maxChunks?: number;
  bos: number | null;
  chunksPerPass?: number;
  /** Reproduce llama.cpp's CPU numerics (F16 KV cache, activation rounding); default false. */
  llamaCpuNumerics?: boolean;
  onProgress?: (stage: 'base' | 'quant', chunksDone: number, chunksTotal: number) => void;
}

export interface KldResult {
  report: KldReport;
  /** Per-chunk running values, like llama-perplexity's table. */
  chunks: number;
}

export async function evaluateKld(base: EvaluatedModel, quant: EvaluatedModel, tokens: readonly number[], options: KldOptions): Promise<KldResult> {
  const [result] = await evaluateKldOfEach(base, [async () => quant], tokens, options);
  return result!;
}

/**
 * Several quantized files against one base pass (a comparison of many files on one text): the
 * base rows are stored once, then each file is opened in turn (one resident at a time) and scored.
 */
export async function evaluateKldOfEach(base: EvaluatedModel, quants: readonly (() => Promise<EvaluatedModel>)[], tokens: readonly number[], options: KldOptions): Promise<KldResult[]> {
  const k = kldChunks(tokens, base.model, { ...options, contextSize: options.contextSize ?? 512 });
  const { chunks } = k;
  const perPass = Math.max(1, options.chunksPerPass ?? 16);
  const numerics = options.llamaCpuNumerics ? { kvCache: 'f16' as const, ggmlCpuActivations: true } : {};

  const pass = async (m: EvaluatedModel, stage: 'base' | 'quant', onRow: (chunk: number, pos: number, logits: Float32Array) => void) => {
    for (let c0 = 0; c0 < chunks.length; c0 += perPass) {
      await runForward(m.model, m.weights, { ...numerics, ...k.request(c0, perPass, onRow) });
      options.onProgress?.(stage, Math.min(c0 + perPass, chunks.length), chunks.length);
    }
  };
  await pass(base, 'base', (c, pos, logits) => { encodeBaseLogProbs(logits, k.target(c, pos), k.baseRow(c, pos)); });
  const results: KldResult[] = [];
  for (const open of quants) {
    const quant = await open();
    k.checkVocabulary(quant.model);
    const acc = new KldAccumulator();
    await pass(quant, 'quant', (c, pos, logits) => acc.add(logits, k.baseRow(c, pos), k.target(c, pos)));
    results.push({ report: kldReport(acc), chunks: chunks.length });
  }
  return results;
}
