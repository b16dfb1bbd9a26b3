// llama.cpp must tokenize exactly like the model's own (Hugging Face) tokenizer with the vocabulary
// metadata we write: the merge-rank scores are what makes its SentencePiece tokenizer agree.
// A vocab-only GGUF (metadata, no tensors) is enough for llama.cpp to tokenize.
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

async function vocabOnlyGguf(modelDir: string, scoresOverride?: (n: number) => Float32Array): Promise<string> {
  const files = await nodeModelFiles(modelDir);
  try {
    const plan = await planModel(files);
    let metadata: GgufKv[] = [...plan.metadata, { key: 'general.file_type', value: { type: 'u32', value: 0 } }];
    if (scoresOverride) {
      metadata = metadata.map((kv) => kv.key === 'tokenizer.ggml.scores'
        ? { key: kv.key, value: { type: 'array', itemType: 'f32', value: scoresOverride((kv.value.value as ArrayLike<number>).length) } }
        : kv);
    }
    const out = path.join(dir, `${path.basename(modelDir)}-${scoresOverride ? 'flat' : 'ours'}.gguf`);
    await writeFile(out, layoutGguf(metadata, []).header);
    return out;
  } finally {
    await files.close();
  }
}

async function sampleTexts(): Promise<string[]> {
  const stories = await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8');
  const wiki = await readFile(path.join(TEXT, 'wiki.test.raw'), 'utf8');
  const shakespeare = await readFile(path.join(TEXT, 'tinyshakespeare.txt'), 'utf8');
  return [
    stories.slice(0, 6000), wiki.slice(10_000, 16_000), shakespeare.slice(20_000, 26_000),
    'Once upon a time,  there was a   little girl named Lily.\n\nShe said: "héllo — naïve café, 日本語 🙂!"',
    'numbers 3.14159 and 1,000,000; code: for (let i = 0; i < n; i++) { x += y; }',
  ];
}

async function countMismatches(gguf: string, modelDir: string): Promise<{ texts: number; mismatched: number; tokens: number }> {
  const llama = await getOfflineLlama();
  const model = await llama.loadModel({ modelPath: gguf, vocabOnly: true });
  const hf = await loadHfTokenizer(modelDir);
  let mismatched = 0, tokens = 0;
  const texts = await sampleTexts();
  try {
    for (const text of texts) {
      const ours = Array.from(model.tokenize(text) as readonly number[]);
      const theirs = hf.encode(text, { add_special_tokens: false }).ids;
      tokens += theirs.length;
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) mismatched++;
    }
  } finally {
    await model.dispose();
  }
  return { texts: texts.length, mismatched, tokens };
}

describe('llama.cpp tokenization with our vocabulary metadata', () => {
  for (const [name, modelDir] of [['stories260K', STORIES260K], ['tiny-llama-10m (Mistral vocab)', TINY_LLAMA_10M]] as const) {
    it(`equals @huggingface/tokenizers on varied text: ${name}`, async () => {
      const result = await countMismatches(await vocabOnlyGguf(modelDir), modelDir);
      console.log(name, result);
      expect(result.tokens).toBeGreaterThan(1000);
      expect(result).toMatchObject({ mismatched: 0 });
    }, 120_000);
  }

  it('differs with the converter\'s flat scores (so the test above can fail)', async () => {
    const flat = await vocabOnlyGguf(TINY_LLAMA_10M, (n) => new Float32Array(n).fill(-1000));
    const result = await countMismatches(flat, TINY_LLAMA_10M);
    console.log("flat", result);
    expect(result.mismatched).toBeGreaterThan(0);
  }, 120_000);
});
