// forwardKld is evaluateKld with a pluggable forward: on the CPU forward it must give
// evaluateKld's report exactly, and its per-position data must add up to that report.
import { openAsBlob } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateKld } from '../core/eval/evaluate-kld.ts';
import { forwardModelFromGguf, forwardModelFromPlan } from '../core/forward/forward-model.ts';
import { runForward } from '../core/forward/run-forward.ts';
import { loadTextTokenizer } from '../core/forward/tokenize.ts';
import { ggufWeights, planWeights } from '../core/forward/weights.ts';
import { readGgufInfo } from '../core/gguf/read-gguf.ts';
import { planModel } from '../core/model/plan-model.ts';
import { EVAL_SAMPLE_TEXT } from '../app/eval-sample.ts';
import { fixtureEntries, FIXTURES } from '../app/test-plans.node.ts';
import { blobByteSource, blobModelFiles } from '../io/blob-files.ts';
import { forwardKld, type KldProgress } from './forward-kld.ts';

describe('forwardKld', () => {
  it('reproduces evaluateKld on the CPU forward and charts what it counted', async () => {
    const files = blobModelFiles(await fixtureEntries('stories260K'), 'stories260K');
    const plan = await planModel(files);
    const tokenizer = await loadTextTokenizer(files);
    const tokens = tokenizer.encode(EVAL_SAMPLE_TEXT);
    // The F32 reference GGUF is not the safetensors' exact values path: a real, small difference.
    const gguf = path.join(FIXTURES, 'stories260K/reference-f32.gguf');
    const source = blobByteSource('reference-f32.gguf', await openAsBlob(gguf));
    const info = await readGgufInfo(source);
    const base = { model: forwardModelFromPlan(plan), weights: planWeights(plan, files) };
    const quant = { model: forwardModelFromGguf(info, 'reference-f32.gguf'), weights: await ggufWeights(source, info) };
    const options = { contextSize: 32, maxChunks: 3, bos: tokenizer.bos, chunksPerPass: 2 };
    const expected = await evaluateKld(base, quant, tokens, options);
    const progress: KldProgress[] = [];
    const cpu = (m: typeof base) => ({ model: m.model, run: (request: Parameters<typeof runForward>[2]) => runForward(m.model, m.weights, request) });
    const got = await forwardKld(cpu(base), cpu(quant), tokens, { ...options, onProgress: (p) => progress.push(p) });

    expect(got.report).toEqual(expected.report);
    expect(got.chunks).toBe(3);
    expect(got.firstScored).toBe(16);
    expect(got.kldValues.length).toBe(expected.report.positions);
    expect(got.sameTopByPosition.length).toBe(15);
    const meanAgreement = got.sameTopByPosition.reduce((a, b) => a + b, 0) / got.sameTopByPosition.length;
    expect(meanAgreement).toBeCloseTo(expected.report.sameTop.value, 6);
    const sorted = [...got.kldValues].sort((a, b) => a - b);
    expect(sorted[sorted.length - 1]).toBe(expected.report.kld.max);
    // Both stages, in order, ending at 1.
    expect(progress[0]!.stage).toBe('base');
    expect(progress.at(-1)).toMatchObject({ stage: 'quant', chunksDone: 3, chunksTotal: 3, fraction: 1 });
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.fraction).toBeGreaterThanOrEqual(progress[i - 1]!.fraction);
  });

  it('refuses text shorter than two chunks, naming it', async () => {
    const files = blobModelFiles(await fixtureEntries('stories260K'), 'stories260K');
    const plan = await planModel(files);
    const side = { model: forwardModelFromPlan(plan), run: async () => undefined };
    await expect(forwardKld(side, side, [1, 2, 3], { contextSize: 32, bos: 1 })).rejects.toThrow(/evaluation text: 3 tokens is too short/);
  });
});
