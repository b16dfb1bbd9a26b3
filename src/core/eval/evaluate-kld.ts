// llama-perplexity --kl-divergence on the reference forward: the base model's scored positions
// stored as its --kl-divergence-base file stores them (u16 log-probs), then the quantized model
// scored against them. Chunking as llama-perplexity: n_ctx-token chunks, BOS first, positions
// n_ctx/2 .. n_ctx-2 scored (each predicting the next token).
import { chunkTokens } from '../forward/chunks.ts';
import type { ForwardModel, WeightSource } from '../forward/forward-types.ts';
import { runForward } from '../forward/run-forward.ts';
import { baseSlots, encodeBaseLogProbs } from './base-log-probs.ts';
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
  const ctx = options.contextSize ?? 512;
  const chunks = chunkTokens(tokens, { contextSize: ctx, maxChunks: options.maxChunks, bos: options.bos }, 'evaluation text');
  const first = Math.floor(ctx / 2);
  const scored = ctx - 1 - first;
  const vocab = base.model.hparams.vocabSize;
  if (quant.model.hparams.vocabSize !== vocab) throw new Error(`KLD: vocabularies differ (${vocab} vs ${quant.model.hparams.vocabSize})`);
  const slots = baseSlots(vocab);
  const baseRows = new Uint16Array(chunks.length * scored * slots);
  const perPass = Math.max(1, options.chunksPerPass ?? 16);
  const numerics = options.llamaCpuNumerics ? { kvCache: 'f16' as const, ggmlCpuActivations: true } : {};
  // The original tokens are the targets (the BOS swap only affects the input of position 0).
  const target = (c: number, pos: number) => tokens[c * ctx + pos + 1]!;

  const pass = async (m: EvaluatedModel, stage: 'base' | 'quant', onRow: (chunk: number, pos: number, logits: Float32Array) => void) => {
    for (let c0 = 0; c0 < chunks.length; c0 += perPass) {
      await runForward(m.model, m.weights, {
        ...numerics,
        sequences: chunks.slice(c0, c0 + perPass),
        outputFrom: () => first,
        onLogits: (s, pos, logits) => { if (pos < ctx - 1) onRow(c0 + s, pos, logits); },
      });
      options.onProgress?.(stage, Math.min(c0 + perPass, chunks.length), chunks.length);
    }
  };
  const rowOf = (c: number, pos: number) => baseRows.subarray(((c * scored) + pos - first) * slots, ((c * scored) + pos - first + 1) * slots);
  await pass(base, 'base', (c, pos, logits) => { encodeBaseLogProbs(logits, target(c, pos), rowOf(c, pos)); });
  const acc = new KldAccumulator();
  await pass(quant, 'quant', (c, pos, logits) => acc.add(logits, rowOf(c, pos), target(c, pos)));
  return { report: kldReport(acc), chunks: chunks.length };
}
