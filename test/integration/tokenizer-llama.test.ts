// Our tokenizer metadata must make llama.cpp tokenize exactly as the model's own tokenizer.json
// does (llama.cpp's converter gets this wrong for tokenizer.json-only SentencePiece vocabularies:
// see the appendix of the llama.cpp notes). llama.cpp runs through node-llama-cpp.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Tokenizer } from '@huggingface/tokenizers';
import type { LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModelFolder } from '../helpers/export-node.ts';
import { loadHfTokenizer } from '../helpers/hf-tokenizer.ts';
import { getOfflineLlama } from '../helpers/llama.ts';
import { STORIES260K, TEXT, TINY_LLAMA_10M } from '../helpers/paths.ts';

const VARIED = [
  'Once upon a time, there was a little girl named Lily. She loved to play outside.',
  'Whitespace:  two,\ttabs,\n\nnewlines   and   runs of     spaces  ',
  'Zürich, naïve café — “quotes” … déjà vu; Ελληνικά; русский текст; 日本語のテキスト; 中文; 한국어; العربية',
  'Emoji: 🙂🚀👩‍👩‍👧 and symbols ∑∫√≈ ≠ ©®™ ½',
  'function add(a, b) {\n    return a + b; // sum\n}\nconst x = [1, 2, 3].map((v) => v ** 2);',
  'if __name__ == "__main__":\n\tprint(f"{x:>10}")  # 0x1F, 3.14159e-10',
  'Numbers 1234567890 and 2026-11-28, URLs https://example.com/a?b=c&d=e',
];

/** The last `chars` characters of a corpus, starting at a line that does not start with a space. */
async function heldOutSample(file: string, chars: number): Promise<string> {
  const text = await readFile(path.join(TEXT, file), 'utf8');
  const tail = text.slice(text.length - chars);
  return tail.slice(tail.search(/\n[^\s]/) + 1);
}

/**
 * A Metaspace pre-tokenizer with prepend_scheme "first" (stories260K) adds the "▁" word prefix only
 * at the very start of the input and only when the text does not already start with a space;
 * llama.cpp's SentencePiece tokenizer adds it unconditionally, and after every special token too
 * (src/llama-vocab.cpp, is_prev_special). No GGUF metadata changes that, so for such vocabularies
 * text that starts with a space or follows a special token tokenizes differently in llama.cpp.
 * A Prepend normalizer (Mistral, Llama 2) prefixes every segment, as llama.cpp does.
 */
async function prefixesEverySegment(dir: string): Promise<boolean> {
  const json = JSON.parse(await readFile(path.join(dir, 'tokenizer.json'), 'utf8'));
  return !(json.pre_tokenizer?.type === 'Metaspace' && json.pre_tokenizer?.prepend_scheme === 'first');
}

for (const [label, dir] of [['stories260K', STORIES260K], ['tiny-llama-10m (Mistral vocabulary)', TINY_LLAMA_10M]] as const) {
  describe(`${label}: llama.cpp tokenizes like tokenizer.json`, () => {
    let work: string;
    let model: LlamaModel;
    let hf: Tokenizer;
    beforeAll(async () => {
      work = await mkdtemp(path.join(tmpdir(), 'tok-'));
      const out = path.join(work, 'model.gguf');
      await exportModelFolder(dir, out, 'Q8_0');
      model = await (await getOfflineLlama()).loadModel({ modelPath: out });
      hf = await loadHfTokenizer(dir);
    });
    afterAll(async () => {
      await model?.dispose();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('gives identical ids on varied text (multilingual, code, emoji, whitespace)', () => {
      for (const text of VARIED) {
        const ours = [...model.tokenize(text, false)];
        const theirs = hf.encode(text, { add_special_tokens: false }).ids;
        expect(ours, JSON.stringify(text)).toEqual(theirs);
      }
    });

    it('gives identical ids with special tokens parsed, and on text starting with spaces', async () => {
      const cases = (await prefixesEverySegment(dir))
        ? ['<s>Hello</s>', 'a <s> b </s> c', '<unk>', '  two leading spaces', ' one']
        : ['Hello</s>', 'a </s>', 'The end.</s><unk>']; // see prefixesEverySegment
      for (const text of cases) {
        const ours = [...model.tokenize(text, true)];
        const theirs = hf.encode(text, { add_special_tokens: false }).ids;
        expect(ours, JSON.stringify(text)).toEqual(theirs);
      }
    });

    it('gives identical ids on 20 KB of held-out prose', async () => {
      for (const file of ['tinystories_val_sample.txt', 'wiki.test.raw', 'tinyshakespeare.txt']) {
        const text = await heldOutSample(file, 20_000);
        const ours = [...model.tokenize(text, false)];
        const theirs = hf.encode(text, { add_special_tokens: false }).ids;
        expect(ours.length, file).toBe(theirs.length);
        expect(ours, file).toEqual(theirs);
      }
    });
  });
}
