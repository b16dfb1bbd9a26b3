// Helpers shared by the GPU forward tests: run a forward (CPU reference or GPU) and collect every
// logit row and the imatrix statistic, then compare.
import type { ForwardModel, ForwardRequest, WeightSource } from '../../src/core/forward/forward-types.ts';
import { runForward } from '../../src/core/forward/run-forward.ts';
import { accumulateSquares } from '../../src/core/imatrix/collect.ts';
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
    hooks: {
      onMatmulInput(name, x, rows, cols) {
        let e = imatrix.get(name);
        if (!e) imatrix.set(name, (e = { sums: new Float32Array(cols), count: 0 }));
        accumulateSquares(e.sums, x, rows, cols);
        e.count += rows;
      },
    },
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

/** Largest per-column relative difference |a-b| / max(|a|, tiny), and whether names and counts agree. */
export function imatrixDiff(a: ImatrixStats['entries'], b: ImatrixStats['entries']): { maxRel: number; sameEntries: boolean } {
  let maxRel = 0;
  let sameEntries = a.size === b.size && a.size > 0;
  for (const [name, e] of a) {
    const f = b.get(name);
    if (!f || f.count !== e.count || f.sums.length !== e.sums.length) { sameEntries = false; continue; }
    for (let j = 0; j < e.sums.length; j++) maxRel = Math.max(maxRel, Math.abs(e.sums[j]! - f.sums[j]!) / Math.max(Math.abs(e.sums[j]!), 1e-30));
  }
  return { maxRel, sameEntries };
}
