// The MoE pieces llama.cpp's graph fixes and our forwards share: softmax over the router's logits,
// top-k with ties to the lower expert, renormalised weights; and the importance row each expert's
// rows are quantized with.
import { describe, expect, it } from 'vitest';
import { expertPicks, routeTokens, softmaxRows } from './moe.ts';
import { importanceForRows } from '../quant/matrix-importance.ts';

describe('MoE routing', () => {
  it('softmax per row, then the top-k experts (best first, ties to the lower index) and their renormalised weights', () => {
    const probs = softmaxRows(Float32Array.from([1, 3, 2, 3, /* row 2 */ 0, 0, 0, 5]), 2, 4);
    expect(probs[0]! + probs[1]! + probs[2]! + probs[3]!).toBeCloseTo(1, 6);
    const routes = routeTokens(probs, 2, { count: 4, used: 2, gating: 'softmax', normalizeWeights: true });
    expect([...routes.experts]).toEqual([1, 3, 3, 0]);
    expect(routes.weights[0]).toBeCloseTo(0.5, 6);
    expect(routes.weights[1]).toBeCloseTo(0.5, 6);
    expect(routes.weights[2]! + routes.weights[3]!).toBeCloseTo(1, 6);
    const raw = routeTokens(probs, 2, { count: 4, used: 2, gating: 'softmax', normalizeWeights: false });
    expect([...raw.weights]).toEqual([probs[1], probs[3], probs[7], probs[4]]);
  });
});

describe('expert picks', () => {
  it('groups the (token, slot) picks expert by expert, slot by slot and tokens in order within each', () => {
    // Three tokens, two slots: token 0 -> [2, 0], token 1 -> [0, 2], token 2 -> [2, 1].
    const routes = { experts: Int32Array.from([2, 0, 0, 2, 2, 1]), weights: new Float32Array(6) };
    const { picks, starts } = expertPicks(routes, 3, { count: 4, used: 2, gating: 'softmax', normalizeWeights: true });
    expect([...starts]).toEqual([0, 2, 3, 6, 6]);
    // Expert 0: slot 0 of token 1 (pick 2) before slot 1 of token 0 (pick 1); expert 2: slot 0 of tokens 0 and 2, then slot 1 of token 1.
    expect([...picks]).toEqual([2, 1, 5, 0, 4, 3]);
  });
});

describe('importance rows of stacked experts', () => {
  const ne = [4, 3, 2];
  const imatrix = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);

  it('gives the rows of expert e (rows e·ne[1] … ) that expert\'s row of weights', () => {
    expect([...importanceForRows(imatrix, ne, 0, 't')!]).toEqual([1, 2, 3, 4]);
    expect([...importanceForRows(imatrix, ne, 2, 't')!]).toEqual([1, 2, 3, 4]);
    expect([...importanceForRows(imatrix, ne, 3, 't')!]).toEqual([5, 6, 7, 8]);
    expect(importanceForRows(null, ne, 3, 't')).toBeNull();
    expect(importanceForRows(imatrix.subarray(0, 4), [4, 3], 1, 't')).toHaveLength(4);
  });

  it('refuses an entry that is not one row per expert, naming the tensor', () => {
    expect(() => importanceForRows(imatrix.subarray(0, 4), ne, 0, 'blk.0.ffn_up_exps.weight'))
      .toThrow('imatrix for "blk.0.ffn_up_exps.weight" has 4 values; the tensor has 4 columns in each of 2 experts (8 values)');
  });
});
