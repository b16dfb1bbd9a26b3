// llama-perplexity --kl-divergence over any forward (the GPU one in the evaluate worker): the
// same chunks and stored base rows (core/eval/kld-chunks.ts) and statistics as
// core/eval/evaluate-kld.ts (which runs the CPU forward), plus what the studio charts: every
// position's KLD and, per scored position, how often the quantized model's top token is the base
// model's.
import { encodeBaseLogProbs, logSumExp } from '../core/eval/base-log-probs.ts';
import { KldAccumulator } from '../core/eval/kld-accumulator.ts';
import { kldChunks } from '../core/eval/kld-chunks.ts';
import { kldReport, type KldReport } from '../core/eval/kld-report.ts';
import type { ForwardModel, ForwardRequest } from '../core/forward/forward-types.ts';

/** Runs one model over a request; `onLayer(done, layers)` after each finished layer when it can. */
export type ForwardRunner = (request: ForwardRequest, onLayer: (layersDone: number) => void) => Promise<void>;

export interface KldSide {
  model: ForwardModel;
  run: ForwardRunner;
}

export interface KldProgress {
  stage: 'base' | 'quant';
  chunksDone: number;
  chunksTotal: number;
  /** 0..1 over both stages, counting finished layers inside a pass. */
  fraction: number;
}

export interface ForwardKldOptions {
  contextSize: number;
  maxChunks?: number;
  bos: number | null;
  chunksPerPass?: number;
  onProgress?: (progress: KldProgress) => void;
}

export interface ForwardKldResult {
  report: KldReport;
  chunks: number;
  contextSize: number;
  /** The first scored position (n_ctx/2): position i of `sameTopByPosition` is firstScored + i. */
  firstScored: number;
  /** Every scored position's KLD, chunk by chunk. */
  kldValues: Float32Array;
  /** Fraction of chunks whose top token agrees, per scored position. */
  sameTopByPosition: Float32Array;
}

/** The base's top token as KldAccumulator finds it (from the stored u16 row, first of equals). */
function storedArgmax(row: Uint16Array, vocab: number): number {
  const head = new Float32Array(row.buffer, row.byteOffset, 2);
  const scale = head[0]!;
  const minLogProb = head[1]!;
  let best = -1;
  let bestValue = 0;
  for (let i = 0; i < vocab; i++) {
    const lb = Math.fround(Math.fround(scale * row[4 + i]!) + minLogProb);
    if (i === 0 || lb > bestValue) { bestValue = lb; best = i; }
  }
  return best;
}

export async function forwardKld(base: KldSide, quant: KldSide, tokens: readonly number[], options: ForwardKldOptions): Promise<ForwardKldResult> {
  const k = kldChunks(tokens, base.model, quant.model, options);
  const { chunks, first, scored, vocab } = k;
  const perPass = Math.max(1, options.chunksPerPass ?? 16);
  const sameTop = new Float32Array(scored);

  const pass = async (side: KldSide, stage: 'base' | 'quant', onRow: (chunk: number, pos: number, logits: Float32Array) => void) => {
    const layers = side.model.hparams.layerCount + 1; // the output head counts as a step
    for (let c0 = 0; c0 < chunks.length; c0 += perPass) {
      const request = k.request(c0, perPass, onRow);
      const report = (layersDone: number) => {
        const done = c0 + (request.sequences.length * Math.min(layersDone, layers)) / layers;
        options.onProgress?.({
          stage, chunksDone: Math.floor(done), chunksTotal: chunks.length,
          fraction: ((stage === 'quant' ? chunks.length : 0) + done) / (2 * chunks.length),
        });
      };
      await side.run(request, report);
      report(layers);
    }
  };
  await pass(base, 'base', (c, pos, logits) => { encodeBaseLogProbs(logits, k.target(c, pos), k.baseRow(c, pos)); });
  const acc = new KldAccumulator();
  await pass(quant, 'quant', (c, pos, logits) => {
    const row = k.baseRow(c, pos);
    acc.add(logits, row, k.target(c, pos));
    if (logSumExp(logits).argmax === storedArgmax(row, vocab)) sameTop[pos - first]! += 1;
  });
  for (let i = 0; i < scored; i++) sameTop[i] = sameTop[i]! / chunks.length;
  return {
    report: kldReport(acc), chunks: chunks.length, contextSize: k.contextSize, firstScored: first,
    kldValues: Float32Array.from(acc.kldValues), sameTopByPosition: sameTop,
  };
}
