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

/**
 * How far through one pass `layersDone` steps are (the output head is the last step), by the
 * weights each step multiplies with: the head of a small model (vocabulary × embedding, then a
 * softmax per row) costs many layers, and counting it as one made the ETA run out long before it.
 */
function passShares(model: ForwardModel, vocab: number): (layersDone: number) => number {
  const layerCount = model.hparams.layerCount;
  const layerCost = new Array<number>(layerCount).fill(0);
  for (const t of model.tensors.values()) {
    const layer = /^blk\.(\d+)\./.exec(t.ggufName);
    if (layer && t.ne.length >= 2) layerCost[Number(layer[1])]! += t.ne.reduce((a, b) => a * b, 1);
  }
  const headCost = model.hparams.embedding * vocab;
  const before = [0];
  for (const c of layerCost) before.push(before.at(-1)! + c);
  const passCost = before[layerCount]! + headCost;
  return (layersDone) => {
    const whole = Math.min(layerCount, Math.floor(layersDone));
    const partCost = whole < layerCount ? layerCost[whole]! : headCost;
    return Math.min(1, (before[whole]! + (layersDone - whole) * partCost) / passCost);
  };
}

export async function forwardKld(base: KldSide, quant: KldSide, tokens: readonly number[], options: ForwardKldOptions): Promise<ForwardKldResult> {
  const k = kldChunks(tokens, base.model, options);
  k.checkVocabulary(quant.model);
  const { chunks, first, scored, vocab } = k;
  const perPass = Math.max(1, options.chunksPerPass ?? 16);
  const sameTop = new Float32Array(scored);

  const pass = async (side: KldSide, stage: 'base' | 'quant', onRow: (chunk: number, pos: number, logits: Float32Array) => void) => {
    const layers = side.model.hparams.layerCount + 1; // the output head counts as a step
    const share = passShares(side.model, vocab);
    for (let c0 = 0; c0 < chunks.length; c0 += perPass) {
      // The rows of the output head are counted too: over a large vocabulary, scoring them takes
      // as long as many layers, and progress that stood still there read as a hang.
      let rows = 0;
      let reported = 0;
      const rowsInPass = Math.max(1, Math.min(perPass, chunks.length - c0) * scored);
      const request = k.request(c0, perPass, (chunk, pos, logits) => {
        onRow(chunk, pos, logits);
        if (++rows % 32 === 0) report(layers - 1 + rows / rowsInPass);
      });
      const report = (layersDone: number) => {
        if (layersDone < reported) return; // a layer count behind the rows already scored
        reported = layersDone;
        const done = c0 + request.sequences.length * share(Math.min(layersDone, layers));
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
