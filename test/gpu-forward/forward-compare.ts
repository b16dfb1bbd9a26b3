// Helpers shared by the GPU forward tests: run a forward (CPU reference or GPU) and collect every
// logit row and the imatrix statistic, then compare.
import type { ForwardModel, ForwardRequest, WeightSource } from '../../src/core/forward/forward-types.ts';
import { runForward } from '../../src/core/forward/run-forward.ts';
import { imatrixHooks } from '../../src/core/imatrix/collect.ts';
import type { ImatrixStats } from '../../src/core/imatrix/imatrix-stats.ts';

export interface ForwardResult {
  /** logits[sequence][position] */
  logits: Float32Array[][];
  imatrix: ImatrixStats['entries'];
}

export function logitsCollector(sequences: readonly (readonly number[])[]): { logits: Float32Array[][]; onLogits: NonNullable<ForwardRequest['onLogits']> } {
  const logits: Float32Array[][] = sequences.map(() => []);
  return { logits, onLogits: (s, p, l) => { logits[s]![p] = l.slice(); } };
}

export async function cpuForward(
  model: ForwardModel, weights: WeightSource, sequences: number[][], kvCache: 'f32' | 'f16' = 'f32', outputFrom?: (s: number) => number,
): Promise<ForwardResult> {
  const { logits, onLogits } = logitsCollector(sequences);
  const imatrix: ImatrixStats['entries'] = new Map();
  await runForward(model, weights, {
    sequences, kvCache, onLogits, outputFrom,
    hooks: imatrixHooks(imatrix),
  });
  return { logits, imatrix };
}

export function maxLogitDiff(a: Float32Array[][], b: Float32Array[][]): number {
  let max = 0;
  if (a.length !== b.length) return Infinity;
  for (let s = 0; s < a.length; s++) {
    if (a[s]!.length !== b[s]!.length) return Infinity;
    for (let p = 0; p < a[s]!.length; p++) {
      const x = a[s]![p];
      const y = b[s]![p];
      if (!x || !y) { if (x !== y) return Infinity; continue; }
      if (x.length !== y.length) return Infinity;
      for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]! - y[i]!));
    }
  }
  return max;
}

/**
 * Largest per-column relative difference |a-b| / max(|a|, floor), and whether names and counts
 * (per expert too) agree. The floor is a thousandth of the mean of the column's row (an expert's
 * row for stacked experts): a column far below its row's mean comes from a dot product that
 * cancelled (an expert reached by a single token shows them), where float32 and double sums
 * differ in relative terms by design, and a quantizer weighs a column only against its row.
 */
export function imatrixDiff(a: ImatrixStats['entries'], b: ImatrixStats['entries']): { maxRel: number; sameEntries: boolean } {
  let maxRel = 0;
  let sameEntries = a.size === b.size && a.size > 0;
  for (const [name, e] of a) {
    const f = b.get(name);
    if (!f || f.count !== e.count || f.sums.length !== e.sums.length || f.expertCounts?.join() !== e.expertCounts?.join()) { sameEntries = false; continue; }
    const cols = e.sums.length / (e.expertCounts?.length ?? 1);
    for (let start = 0; start < e.sums.length; start += cols) {
      let mean = 0;
      for (let j = start; j < start + cols; j++) mean += Math.abs(e.sums[j]!) / cols;
      const floor = Math.max(1e-3 * mean, 1e-30);
      for (let j = start; j < start + cols; j++) maxRel = Math.max(maxRel, Math.abs(e.sums[j]! - f.sums[j]!) / Math.max(Math.abs(e.sums[j]!), floor));
    }
  }
  return { maxRel, sameEntries };
}
