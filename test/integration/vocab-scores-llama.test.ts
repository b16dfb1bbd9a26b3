// The merge-rank scores alone, with llama.cpp as the judge: a vocab-only GGUF (our metadata, no
// tensors) is tokenized by llama.cpp and compared with @huggingface/tokenizers; the converter's flat
// -1000 scores are the negative control. Texts avoid leading whitespace and special tokens, where
// llama.cpp's space-prefix rule and HF's Metaspace(prepend_scheme "first") differ whatever the scores.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layoutGguf } from '../../src/core/gguf/gguf-header.ts';
import type { GgufKv } from '../../src/core/gguf/gguf-value.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import { loadHfTokenizer } from '../helpers/hf-tokenizer.ts';
import { getOfflineLlama } from '../helpers/llama.ts';
import { nodeModelFiles } from '../helpers/node-model-files.ts';
import { STORIES260K, TEXT, TINY_LLAMA_10M } from '../helpers/paths.ts';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(path.join(tmpdir(), 'vocab-')); });
afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

async function vocabOnlyGguf(modelDir: string, flatScores = false): Promise<string> {
  const files = await nodeModelFiles(modelDir);
  try {
    const plan = await planModel(files);
    const fileType: GgufKv = { key: 'general.file_type', value: { type: 'u32', value: 0 } };
    const metadata = [...plan.metadata, fileType].map((kv): GgufKv =>
      flatScores && kv.key === 'tokenizer.ggml.scores'
        ? { key: kv.key, value: { type: 'array', itemType: 'f32', value: new Float32Array((kv.value.value as ArrayLike<number>).length).fill(-1000) } }
        : kv);
    const out = path.join(dir, `${path.basename(modelDir)}-${flatScores ? 'flat' : 'ours'}.gguf`);
    await writeFile(out, layoutGguf(metadata, []).header);
    return out;
  } finally {
    await files.close();
  }
}

async function sampleTexts(): Promise<string[]> {
  const read = (f: string) => readFile(path.join(TEXT, f), 'utf8');
  const [stories, wiki, shakespeare] = await Promise.all([read('tinystories_val_sample.txt'), read('wiki.test.raw'), read('tinyshakespeare.txt')]);
  return [
    stories.slice(0, 6000), wiki.slice(10_000, 16_000), shakespeare.slice(20_000, 26_000),
    'Once upon a time,  there was a   little girl named Lily.\n\nShe said: "héllo — naïve café, 日本語 🙂!"',
    'numbers 3.14159 and 1,000,000; code: for (let i = 0; i < n; i++) { x += y; }',
  ].map((t) => t.trimStart());
}

async function compare(gguf: string, modelDir: string): Promise<{ mismatched: number; tokens: number }> {
  const model = await (await getOfflineLlama()).loadModel({ modelPath: gguf, vocabOnly: true });
  const hf = await loadHfTokenizer(modelDir);
  let mismatched = 0, tokens = 0;
  try {
    for (const text of await sampleTexts()) {
      const ours = [...model.tokenize(text, false)];
      const theirs = hf.encode(text, { add_special_tokens: false }).ids;
      tokens += theirs.length;
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) mismatched++;
    }
  } finally {
    await model.dispose();
  }
  return { mismatched, tokens };
}

describe('llama.cpp tokenization with our scores (vocab-only GGUF)', () => {
  for (const [name, modelDir] of [['stories260K', STORIES260K], ['tiny-llama-10m (Mistral vocab)', TINY_LLAMA_10M]] as const) {
    it(`equals @huggingface/tokenizers on varied text: ${name}`, async () => {
      const result = await compare(await vocabOnlyGguf(modelDir), modelDir);
      expect(result.tokens).toBeGreaterThan(1000);
      expect(result.mismatched).toBe(0);
    }, 120_000);
  }

  it('differs with the converter\'s flat scores (negative control)', async () => {
    const result = await compare(await vocabOnlyGguf(TINY_LLAMA_10M, true), TINY_LLAMA_10M);
    expect(result.mismatched).toBeGreaterThan(0);
  }, 120_000);
});
