// stories260K end to end against llama.cpp itself: our F32 export must carry the reference
// file's tensors byte for byte and run to the same next-token distributions; Q8_0 must stay close.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModelFolder } from '../helpers/export-node.ts';
import { readGguf } from '../helpers/gguf-read.ts';
import { loadHfTokenizer } from '../helpers/hf-tokenizer.ts';
import { getOfflineLlama, klDivergence, nextTokenDistributions } from '../helpers/llama.ts';
import { STORIES260K, TEXT } from '../helpers/paths.ts';

const REFERENCE = path.join(STORIES260K, 'reference-f32.gguf');
let dir: string;
let f32Path: string;
let q8Path: string;
let prompt: number[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'stories260k-'));
  f32Path = path.join(dir, 'stories260K-F32.gguf');
  q8Path = path.join(dir, 'stories260K-Q8_0.gguf');
  await exportModelFolder(STORIES260K, f32Path, 'F32');
  await exportModelFolder(STORIES260K, q8Path, 'Q8_0');
  // Held-out TinyStories text (from the end of the sample), tokenized by the model's own tokenizer.
  const text = await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8');
  const story = text.slice(-4000).split('\n\n').slice(1, 4).join('\n\n');
  const tokenizer = await loadHfTokenizer(STORIES260K);
  prompt = tokenizer.encode(story).ids.slice(0, 160);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('stories260K F32 export', () => {
  it('has every tensor of the reference file byte for byte, and no output.weight (tied)', async () => {
    const ours = await readGguf(f32Path);
    const reference = await readGguf(REFERENCE);
    const names = ours.parsed.tensorInfos.map((t) => t.name).sort();
    const referenceNames = reference.parsed.tensorInfos.map((t) => t.name).filter((n) => n !== 'output.weight').sort();
    expect(names).toEqual(referenceNames);
    for (const name of names) {
      const a = ours.tensor(name)!;
      const b = reference.tensor(name)!;
      expect({ name, type: a.type, ne: a.ne }).toEqual({ name, type: b.type, ne: b.ne });
      expect(Buffer.compare(a.data, b.data), `tensor ${name} data`).toBe(0);
    }
  });

  it('carries the metadata llama.cpp needs, equal to the reference where the converter agrees', async () => {
    const ours = (await readGguf(f32Path)).parsed.metadata as Record<string, unknown>;
    const reference = (await readGguf(REFERENCE)).parsed.metadata as Record<string, unknown>;
    for (const key of [
      'general.architecture', 'llama.block_count', 'llama.embedding_length',
      'llama.feed_forward_length', 'llama.attention.head_count', 'llama.attention.head_count_kv',
      'llama.rope.dimension_count', 'tokenizer.ggml.model', 'tokenizer.ggml.tokens', 'tokenizer.ggml.token_type',
      'tokenizer.ggml.bos_token_id', 'tokenizer.ggml.eos_token_id', 'tokenizer.ggml.unknown_token_id',
    ]) {
      expect(ours[key], key).toEqual(reference[key]);
    }
    // The reference (converted from llama2.c) says 2048; the converter writes config.json's
    // max_position_embeddings, as we do.
    expect(ours['llama.context_length']).toBe(512);
    expect(ours['llama.attention.layer_norm_rms_epsilon']).toBeCloseTo(1e-5, 10);
    expect(ours['llama.rope.freq_base']).toBe(10000);
    expect(ours['general.file_type']).toBe(0);
    expect(ours['general.quantization_version']).toBe(2);
  });

  describe('in llama.cpp (node-llama-cpp 3.21.1)', () => {
    let ourModel: LlamaModel;
    let referenceModel: LlamaModel;
    let q8Model: LlamaModel;
    beforeAll(async () => {
      const llama = await getOfflineLlama();
      ourModel = await llama.loadModel({ modelPath: f32Path });
      referenceModel = await llama.loadModel({ modelPath: REFERENCE });
      q8Model = await llama.loadModel({ modelPath: q8Path });
    });
    afterAll(async () => {
      await Promise.all([ourModel?.dispose(), referenceModel?.dispose(), q8Model?.dispose()]);
    });

    it('gives the reference file\'s next-token distributions at every position of a 100+ token story', async () => {
      expect(prompt.length).toBeGreaterThanOrEqual(100);
      const ours = await nextTokenDistributions(ourModel, prompt);
      const reference = await nextTokenDistributions(referenceModel, prompt);
      let maxDelta = 0;
      for (let i = 0; i < prompt.length; i++) {
        for (let t = 0; t < ours[i]!.length; t++) maxDelta = Math.max(maxDelta, Math.abs(ours[i]![t]! - reference[i]![t]!));
      }
      expect(maxDelta).toBeLessThan(1e-4);
    });

    it('Q8_0 export: mean KL divergence from the F32 export below 0.01', async () => {
      const base = await nextTokenDistributions(ourModel, prompt);
      const quant = await nextTokenDistributions(q8Model, prompt);
      const kls = base.map((p, i) => klDivergence(p, quant[i]!));
      const mean = kls.reduce((a, b) => a + b, 0) / kls.length;
      console.log(`stories260K Q8_0 vs F32: mean KL divergence ${mean.toExponential(3)} over ${kls.length} positions`);
      expect(mean).toBeLessThan(0.01);
      expect(mean).toBeGreaterThan(0); // the file really is quantized
    });
  });
});
