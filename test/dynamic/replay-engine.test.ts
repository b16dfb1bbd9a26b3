// The replay engine contract on the CPU engine (stories260K): the base states chain (running
// layer l on the input of l gives the input of l+1), replayFrom runs the later layers in place,
// a state's KL against its own reference is 0, a replaced matrix moves it, and the counters count.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuReplayEngine } from '../../src/core/dynamic/cpu-replay-engine.ts';
import type { ReplayEngine } from '../../src/core/dynamic/replay-engine.ts';
import { tensorOf } from '../../src/core/dynamic/layer-replay.ts';
import { chunkTokens } from '../../src/core/forward/chunks.ts';
import type { NodeModelFiles } from '../../src/io/node-files.node.ts';
import { STORIES260K, TEXT } from '../helpers/paths.ts';
import { openPlannedModel } from '../helpers/planned-model.ts';

let files: NodeModelFiles;
let engine: ReplayEngine;
let halved: Float32Array;

beforeAll(async () => {
  const opened = await openPlannedModel(STORIES260K);
  files = opened.files;
  const { model, weights, tokenizer } = opened;
  const text = await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8');
  const sequences = chunkTokens(tokenizer.encode(text.slice(-4_000)), { contextSize: 32, bos: tokenizer.bos }).slice(-2);
  engine = await cpuReplayEngine(model, weights, sequences);
  halved = (await weights(tensorOf(model, 'blk.1.ffn_down.weight'))).map((x) => x / 2);
}, 120_000);

afterAll(async () => {
  engine?.dispose();
  await files?.close();
});

const values = (s: unknown) => s as Float32Array;

describe('cpuReplayEngine', () => {
  it('chains the base states, replays in place, and scores a state against a reference', async () => {
    const L = engine.layerCount;
    expect(engine.counters.layerRuns).toBe(L);
    const again = await engine.runLayer(1, new Map(), engine.base(1));
    expect(values(again)).toEqual(values(engine.base(2)));
    await engine.replayFrom(2, [again]);
    expect(values(again)).toEqual(values(engine.base(L)));
    expect(engine.counters.layerRuns).toBe(2 * L - 1);

    const rows = [3, 4, 5, 40];
    const reference = await engine.reference(engine.base(L), rows);
    expect(await engine.kld(reference, again)).toBe(0);
    const changed = await engine.runLayer(1, new Map([['down', halved]]), engine.base(1));
    await engine.replayFrom(2, [changed]);
    expect(await engine.kld(reference, changed)).toBeGreaterThan(1e-6);
    expect(engine.counters.headRows).toBe(3 * rows.length);
    expect(() => engine.base(L + 1)).toThrow(/no base state/);
  });
});
