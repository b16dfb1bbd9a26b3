// A model given as a GGUF tokenizes with the tokenizer its metadata carries: our GGUF tokenizer
// (src/core/tokenizer/gguf-tokenizer.ts) must give llama.cpp's ids (node-llama-cpp's tokenize of the
// same file), with and without special tokens parsed, on SentencePiece ("llama") vocabularies and on
// byte-level BPE ("gpt2") ones under every pre-tokenizer group; and the CLI's imatrix and eval take
// a .gguf as the model.
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCalibrationTokenizer } from '../../src/core/calibration/calibration-tokenizer.ts';
import { loadTextTokenizer } from '../../src/core/forward/tokenize.ts';
import { loadGgufTokenizer } from '../../src/core/tokenizer/load-gguf-tokenizer.ts';
import type { GgufTokenizer } from '../../src/core/tokenizer/gguf-tokenizer.ts';
import { PRE_TOKENIZER_CHECK_TEXT } from '../../src/core/tokenizer/pre-tokenizer.ts';
import { nodeModelFiles } from '../../src/io/node-files.node.ts';
import { runCliInProcess } from '../helpers/cli-in-process.ts';
import { generateArchModel, type ArchName } from '../helpers/generate-arch-model.ts';
import { getOfflineLlama } from '../helpers/llama.ts';
import { STORIES260K, TEXT, TINY_LLAMA_10M } from '../helpers/paths.ts';

const HARD = [
  '', ' ', '  ', 'a', ' leading space', '   three leading spaces', 'trailing spaces   ', 'multiple     inner   spaces',
  '\n', '\n\n\n', 'line\nbreaks\r\nand\r\rcarriage\n\n  \n', '\ttabs\t\tand \t mixed \t',
  'digits 1 12 123 1234 12345 123456 3.14159 0x1F 2026-12-04 1,000,000',
  'Emoji: 🙂🚀👩‍👩‍👧🦙🦙 ✅ 😶‍🌫️ and symbols ∑∫√≈ ≠ ©®™ ½',
  'CJK: 我想在apple工作1314151天～ 日本語のテキスト 한국어 中文',
  'Zürich, naïve café — “quotes” … déjà vu; Ελληνικά; русский текст; العربية; straße İstanbul e\u0301',
  "I've been 'told he's there, 'RE you sure? 'M not sure I'll make it, 'D you like some tea? We'Ve a'lL",
  'nbsp\u00a0and\u3000ideographic\u2003em space, NEL\u0085 here, BOM\ufeff there, zero\u200bwidth',
  'CamelCase HTTPServer iPhone XMLHttpRequest ÉCOLE école',
  'function add(a, b) {\n    return a + b; // sum\n}\nconst x = [1, 2, 3].map((v) => v ** 2);',
  'if __name__ == "__main__":\n\tprint(f"{x:>10}")  # 3.14159e-10',
  '------======= \'\'\'\'\'\'```````""""......!!!!!!?????? ...',
  PRE_TOKENIZER_CHECK_TEXT,
];

/** Chat markup of the families under test: special tokens in text (parsed with special=true). */
const CHAT = [
  '<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi  there!<|im_end|>\n<|im_start|>assistant\n',
  '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
  '<bos><start_of_turn>user\nhello<end_of_turn>\n<start_of_turn>model\n',
  '<|user|>\nhi <|end|>\n<|assistant|>\n hello<|end|>',
  '<s>[INST] hi [/INST] hello</s> <s>[INST]  again [/INST]',
  'text <s> mid </s> end <unk> x<|endoftext|>y',
  '<|endoftext|><|im_start|>user  \n  spaced<|im_end|>',
];

async function corpusSamples(): Promise<string[]> {
  const out: string[] = [];
  for (const file of ['tinystories_val_sample.txt', 'wiki.test.raw', 'tinyshakespeare.txt']) {
    const text = await readFile(path.join(TEXT, file), 'utf8');
    out.push(text.slice(0, 20_000), text.slice(text.length - 20_000));
  }
  return out;
}

let work: string;
let samples: string[];
const stats = { texts: 0, tokens: 0 };

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'gguf-tok-'));
  samples = await corpusSamples();
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
  console.log(`gguf tokenizer vs llama.cpp: ${stats.texts} texts, ${stats.tokens} tokens compared equal`);
});

/** `folder` exported as F16 into a folder of its own (the GGUF as the only model file). */
async function exportGgufFolder(folder: string, name: string, extra: string[] = []): Promise<string> {
  const dir = path.join(work, name);
  await mkdir(dir, { recursive: true });
  const out = path.join(dir, `${name}-F16.gguf`);
  const r = await runCliInProcess(['quantize', folder, '--type', 'F16', '-o', out, ...extra]);
  if (r.code !== 0) throw new Error(`quantize ${folder}: ${r.stderr}`);
  return out;
}

function expectSameIds(ours: GgufTokenizer, model: LlamaModel, texts: readonly string[], parseSpecial: boolean): void {
  for (const text of texts) {
    const theirs = [...model.tokenize(text, parseSpecial)];
    const mine = ours.encode(text, parseSpecial);
    expect(mine, `${parseSpecial ? 'special ' : ''}${JSON.stringify(text.slice(0, 200))}`).toEqual(theirs);
    stats.texts++;
    stats.tokens += theirs.length;
  }
}

interface Case {
  label: string;
  folder: () => Promise<string>;
  /** --override-kv for the export (another pre-tokenizer over the same vocabulary). */
  overrides?: string[];
  /** The folder's tokenizer.json path gives llama.cpp's ids on the plain texts too. */
  folderMatches?: boolean;
}

const generated = (arch: ArchName) => async () => {
  const dir = path.join(work, `src-${arch}`);
  try {
    await stat(path.join(dir, 'config.json'));
  } catch {
    await generateArchModel(arch, dir);
  }
  return dir;
};

const CASES: Case[] = [
  { label: 'stories260K (llama, Metaspace "first")', folder: async () => STORIES260K },
  { label: 'tiny-llama-10m (llama, Mistral vocabulary)', folder: async () => TINY_LLAMA_10M, folderMatches: true },
  { label: 'gemma3 (llama, no space prefix)', folder: generated('gemma3') },
  { label: 'phi3 (llama, Phi-3 rstrip specials)', folder: generated('phi3') },
  { label: 'llama3 (gpt2, llama-bpe)', folder: generated('llama3'), folderMatches: true },
  { label: 'qwen3 (gpt2, qwen2)', folder: generated('qwen3'), folderMatches: true },
  { label: 'phi4mini (gpt2, gpt-4o)', folder: generated('phi4mini'), folderMatches: true },
  ...['smollm', 'gpt-2', 'olmo', 'dbrx', 'refact', 'default', 'tekken', 'qwen35', 'seed-coder', 'bailingmoe', 'lfm2'].map((pre) => ({
    label: `llama3 vocabulary under pre-tokenizer ${pre}`, folder: generated('llama3'), overrides: ['--override-kv', `tokenizer.ggml.pre=str:${pre}`],
  })),
];

describe.each(CASES)('$label: our GGUF tokenizer gives llama.cpp\'s ids', (c) => {
  let model: LlamaModel;
  let ours: GgufTokenizer;
  let ggufDir: string;
  let folder: string;
  beforeAll(async () => {
    folder = await c.folder();
    const name = c.label.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    const file = await exportGgufFolder(folder, name, c.overrides);
    ggufDir = path.dirname(file);
    model = await (await getOfflineLlama()).loadModel({ modelPath: file });
    const files = await nodeModelFiles(ggufDir);
    try {
      ours = await loadGgufTokenizer(files);
    } finally {
      await files.close();
    }
  });
  afterAll(async () => {
    await model?.dispose();
  });

  it('on hard strings and 120 KB of prose, special tokens not parsed', () => {
    expectSameIds(ours, model, [...HARD, ...CHAT, ...samples], false);
  });

  it('on hard strings and chat markup, special tokens parsed', () => {
    expectSameIds(ours, model, [...HARD, ...CHAT], true);
  });

  it('BOS as llama.cpp adds it; the text and calibration tokenizers follow', async () => {
    const shouldAdd = model.tokens.shouldPrependBosToken;
    expect(ours.vocab.addBos).toBe(shouldAdd);
    if (shouldAdd) expect(ours.vocab.bos).toBe(model.tokens.bos);
    const files = await nodeModelFiles(ggufDir);
    try {
      const text = await loadTextTokenizer(files);
      const calibration = await loadCalibrationTokenizer(files);
      const chat = CHAT[0]!;
      expect(text.bos).toBe(shouldAdd ? model.tokens.bos : null);
      expect(text.encode(samples[0]!)).toEqual([...(shouldAdd ? [model.tokens.bos!] : []), ...model.tokenize(samples[0]!, false)]);
      expect(calibration.bos).toBe(text.bos);
      expect(calibration.encode(chat)).toEqual([...model.tokenize(chat, true)]);
      if (ours.vocab.bos !== null) expect(calibration.special.bos_token).toBe(model.tokens.bosString);
      if (ours.vocab.eos !== null) expect(calibration.special.eos_token).toBe(model.tokens.eosString);
    } finally {
      await files.close();
    }
  });

  // Only where the GGUF carries the folder's own vocabulary: a case that overrides tokenizer.ggml.pre has
  // no tokenizer.json of its pre-tokenizer to compare with, so the comparison is not made for it at all.
  if (c.overrides === undefined) it('equals the folder\'s tokenizer.json path wherever that one gives llama.cpp\'s ids', async () => {
    const [fromGguf, fromFolder] = await Promise.all([ggufDir, folder].map(async (dir) => {
      const files = await nodeModelFiles(dir);
      try {
        return await loadTextTokenizer(files);
      } finally {
        await files.close();
      }
    }));
    // BOS aside (compared with llama.cpp's above).
    const withoutBos = (t: { bos: number | null; encode(s: string): number[] }, text: string) => t.encode(text).slice(t.bos === null ? 0 : 1);
    let agreeing = 0;
    const texts = [...HARD.filter((t) => !t.includes('<')), ...samples];
    for (const text of texts) {
      const llama = [...model.tokenize(text, false)];
      const folderIds = withoutBos(fromFolder!, text);
      if (JSON.stringify(folderIds) !== JSON.stringify(llama)) continue;
      agreeing++;
      expect(withoutBos(fromGguf!, text), JSON.stringify(text.slice(0, 200))).toEqual(folderIds);
    }
    console.log(`${c.label}: the folder's tokenizer.json gives llama.cpp's ids on ${agreeing} of ${texts.length} plain texts`);
    // The folder's path agrees with llama.cpp on the prose at least (the hard strings may differ).
    expect(agreeing, `${agreeing} of ${texts.length} texts`).toBeGreaterThanOrEqual(c.folderMatches ? samples.length : 0);
  });
});

describe('the CLI with a .gguf as the model', () => {
  it('imatrix and eval run from a GGUF source', async () => {
    const ggufFile = await exportGgufFolder(STORIES260K, 'cli-stories');
    const gguf = path.dirname(ggufFile);
    const text = path.join(TEXT, 'tinystories_val_sample.txt');
    const imatrix = path.join(work, 'cli-stories.imatrix.gguf');
    const im = await runCliInProcess(['imatrix', ggufFile, '--text', text, '--ctx', '64', '--chunks', '2', '-o', imatrix]);
    expect(im.code, im.stderr).toBe(0);
    expect((await stat(imatrix)).size).toBeGreaterThan(0);
    const quant = path.join(work, 'cli-stories-Q8_0.gguf');
    const q = await runCliInProcess(['quantize', STORIES260K, '--type', 'Q8_0', '-o', quant]);
    expect(q.code, q.stderr).toBe(0);
    const ev = await runCliInProcess(['eval', ggufFile, quant, '--text', text, '--ctx', '64', '--chunks', '2', '--json']);
    expect(ev.code, ev.stderr).toBe(0);
    const report = JSON.parse(ev.stdout) as { chunks: number };
    expect(report.chunks).toBe(2);
    // The same run from the folder tokenizes the same text to the same ids, so reports the same chunks.
    const folderFiles = await nodeModelFiles(STORIES260K);
    const copyDir = path.join(work, 'cli-stories-copy');
    await mkdir(copyDir, { recursive: true });
    await copyFile(path.join(gguf, 'cli-stories-F16.gguf'), path.join(copyDir, 'm.gguf'));
    const ggufFiles = await nodeModelFiles(copyDir);
    try {
      const sample = (await readFile(text, 'utf8')).slice(0, 5000);
      const a = await loadTextTokenizer(folderFiles);
      const b = await loadTextTokenizer(ggufFiles);
      expect(b.encode(sample)).toEqual(a.encode(sample));
    } finally {
      await folderFiles.close();
      await ggufFiles.close();
    }
  });
});
