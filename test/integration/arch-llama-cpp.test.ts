// Each supported family, as a tiny seeded model with the family's real tokenizer files: the GGUF we
// export loads in llama.cpp (node-llama-cpp), evaluates to finite probabilities, and llama.cpp's
// tokenizer gives the same ids as the model's own tokenizer.json (@huggingface/tokenizers).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Tokenizer } from '@huggingface/tokenizers';
import type { LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModelFolder } from '../helpers/export-node.ts';
import { generateArchModel, type ArchName } from '../helpers/generate-arch-model.ts';
import { loadHfTokenizer } from '../helpers/hf-tokenizer.ts';
import { getOfflineLlama, nextTokenDistributions } from '../helpers/llama.ts';

const VARIED = [
  'Once upon a time, there was a little girl named Lily. She loved to play outside.',
  'Whitespace:  two,\ttabs,\n\nnewlines   and   runs of     spaces  ',
  'Zürich, naïve café — “quotes” … déjà vu; Ελληνικά; русский текст; 日本語のテキスト; 中文; 한국어; العربية',
  'Emoji: 🙂🚀👩‍👩‍👧 and symbols ∑∫√≈ ≠ ©®™ ½',
  'function add(a, b) {\n    return a + b; // sum\n}\nconst x = [1, 2, 3].map((v) => v ** 2);',
  'if __name__ == "__main__":\n\tprint(f"{x:>10}")  # 0x1F, 3.14159e-10',
  "Numbers 1234567890 and 2026-11-28, URLs https://example.com/a?b=c&d=e; I'VE can't WON'T",
];

/** Text with the family's special tokens, parsed as specials by both sides. */
const SPECIAL_TEXT: Record<ArchName, string[]> = {
  llama3: ['<|begin_of_text|>Hello<|end_of_text|>', 'a <|reserved_special_token_3|> b'],
  qwen2: ['<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n', '<think>\nok\n</think>\n\nDone<|endoftext|>'],
  qwen3: ['<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n', '<think>\nok\n</think>\n\nDone<|endoftext|>'],
  qwen3moe: ['<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n', '<think>\nok\n</think>\n\nDone<|endoftext|>'],
  gemma2: ['<bos><start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\n', 'a <table><tr><td>x</td></tr></table>\n\n\nend<eos>'],
  gemma3: ['<bos><start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\n', 'a <table><tr><td>x</td></tr></table>\n\n\nend<eos>'],
  phi3: ['<|user|>\nHello there<|end|>\n<|assistant|>', 'Done.<|endoftext|>'],
  phi4mini: ['<|system|>Be brief.<|end|><|user|>Hello there<|end|><|assistant|>', 'Done.<|endoftext|>'],
  smollm3: ['<|begin_of_text|>Hello<|end_of_text|>', 'a <|reserved_special_token_3|> b'],
  olmo2: ['<|begin_of_text|>Hello<|end_of_text|>', 'a <|reserved_special_token_3|> b'],
  granite: ['<|begin_of_text|>Hello<|end_of_text|>', 'a <|reserved_special_token_3|> b'],
  granite4: ['<|begin_of_text|>Hello<|end_of_text|>', 'a <|reserved_special_token_3|> b'],
  olmoe: ['<|begin_of_text|>Hello<|end_of_text|>', 'a <|reserved_special_token_3|> b'],
  granitemoe: ['<|begin_of_text|>Hello<|end_of_text|>', 'a <|reserved_special_token_3|> b'],
  gptoss: ['<|start|>user<|message|>Hello there<|end|><|start|>assistant', 'Done.<|return|>'],
  granite4h: ['<|begin_of_text|>Hello<|end_of_text|>', 'a <|reserved_special_token_3|> b'],
  granite4hmoe: ['<|begin_of_text|>Hello<|end_of_text|>', 'a <|reserved_special_token_3|> b'],
  lfm2: ['<|begin_of_text|>Hello<|end_of_text|>', 'a <|reserved_special_token_3|> b'],
  granitemoeshared: ['<|begin_of_text|>Hello<|end_of_text|>', 'a <|reserved_special_token_3|> b'],
};

const ARCHS: ArchName[] = ['llama3', 'qwen2', 'qwen3', 'gemma2', 'gemma3', 'phi3', 'phi4mini', 'smollm3', 'olmo2', 'granite', 'granite4', 'qwen3moe', 'olmoe', 'granitemoe', 'granitemoeshared', 'lfm2', 'gptoss', 'granite4h', 'granite4hmoe'];

for (const arch of ARCHS) {
  describe(`${arch}: exported GGUF in llama.cpp`, () => {
    let work: string;
    let model: LlamaModel;
    let hf: Tokenizer;
    beforeAll(async () => {
      work = await mkdtemp(path.join(tmpdir(), `arch-${arch}-`));
      const dir = path.join(work, `${arch}-tiny-random`);
      await generateArchModel(arch, dir);
      const out = path.join(work, 'model.gguf');
      await exportModelFolder(dir, out, 'F16');
      model = await (await getOfflineLlama()).loadModel({ modelPath: out });
      hf = await loadHfTokenizer(dir);
    }, 240_000);
    afterAll(async () => {
      await model?.dispose();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('loads and evaluates to finite next-token distributions', async () => {
      const tokens = [...model.tokenize('The quick brown fox', false)].slice(0, 3);
      const dists = await nextTokenDistributions(model, tokens);
      expect(dists).toHaveLength(tokens.length);
      for (const p of dists) {
        let sum = 0;
        for (const v of p) {
          expect(Number.isFinite(v)).toBe(true);
          sum += v;
        }
        expect(sum).toBeGreaterThan(0.98);
        expect(sum).toBeLessThan(1.02);
      }
    }, 120_000);

    it('tokenizes varied text exactly like tokenizer.json', () => {
      for (const text of VARIED) {
        expect([...model.tokenize(text, false)], JSON.stringify(text)).toEqual(hf.encode(text, { add_special_tokens: false }).ids);
      }
    });

    it('tokenizes text with special tokens parsed exactly like tokenizer.json', () => {
      for (const text of SPECIAL_TEXT[arch]) {
        expect([...model.tokenize(text, true)], JSON.stringify(text)).toEqual(hf.encode(text, { add_special_tokens: false }).ids);
      }
    });
  });
}
