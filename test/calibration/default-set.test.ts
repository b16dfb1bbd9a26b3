// The default calibration set: it parses, matches its manifest, covers the categories and
// languages it promises, renders with real chat templates and fills enough 512-token chunks.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assembleCalibrationStream, calibrationSequences, renderCalibrationTexts } from '../../src/core/calibration/assemble.ts';
import { loadCalibrationTokenizer } from '../../src/core/calibration/calibration-tokenizer.ts';
import type { CalibrationDocument } from '../../src/core/calibration/corpus.ts';
import { calibrationManifest, checkDefaultSetBytes, countCorpus, defaultSetDatasetName, type CalibrationManifest } from '../../src/core/calibration/default-set.ts';
import { parseCalibrationJsonl } from '../../src/core/calibration/parse-jsonl.ts';
import { REPO_ROOT } from '../helpers/paths.ts';
import { TEMPLATE_MODELS, chatTemplateOf, tokenizerFiles } from './tokenizers.ts';

const DIR = path.join(REPO_ROOT, 'public/calibration');
let bytes: Uint8Array;
let documents: CalibrationDocument[];
let manifest: CalibrationManifest;

beforeAll(() => {
  bytes = readFileSync(path.join(DIR, 'default.jsonl'));
  documents = parseCalibrationJsonl(new TextDecoder().decode(bytes), 'default.jsonl');
  manifest = JSON.parse(readFileSync(path.join(DIR, 'manifest.json'), 'utf8')) as CalibrationManifest;
});

describe('the default calibration set', () => {
  it('matches its manifest (regenerate manifest.json with calibrationManifest after editing the set)', () => {
    const actual = calibrationManifest(bytes, documents);
    expect(manifest, `expected manifest.json:\n${JSON.stringify(actual, null, 2)}`).toEqual(actual);
    expect(() => checkDefaultSetBytes(bytes, manifest)).not.toThrow();
    expect(() => checkDefaultSetBytes(bytes.subarray(1), manifest)).toThrow(/does not match the manifest/);
    expect(defaultSetDatasetName(manifest)).toBe(`calibration/default.jsonl sha256:${manifest.sha256}`);
  });

  it('is 60-120 KB of text with a licence note', () => {
    expect(bytes.byteLength).toBeGreaterThan(60_000);
    expect(bytes.byteLength).toBeLessThan(125_000);
    expect(readFileSync(path.join(DIR, 'LICENSE'), 'utf8')).toMatch(/part of\s+the quant-studio project/);
  });

  it('covers conversations, prose, code and math, every document labelled', () => {
    const counts = countCorpus(documents);
    expect(counts.categories.none).toBeUndefined();
    expect(counts.languages.none).toBeUndefined();
    expect(counts.categories.chat).toBeGreaterThanOrEqual(15);
    expect(counts.categories.prose).toBeGreaterThanOrEqual(12);
    expect(counts.categories.code).toBeGreaterThanOrEqual(10);
    expect(counts.categories.math).toBeGreaterThanOrEqual(10);
    // Code in several languages, every code document saying which.
    expect(documents.filter((d) => d.category === 'code').every((d) => d.code !== undefined)).toBe(true);
    expect(Object.keys(counts.code).length).toBeGreaterThanOrEqual(6);
    // Instruct-style multi-turn conversations, some of them about code and math.
    const multiTurn = documents.filter((d) => d.kind === 'chat' && d.messages.filter((m) => m.role === 'user').length >= 2);
    expect(multiTurn.length).toBeGreaterThanOrEqual(15);
    expect(new Set(documents.filter((d) => d.kind === 'chat').map((d) => d.category))).toEqual(new Set(['chat', 'code', 'math']));
  });

  it('is written in at least six human languages, each with several documents', () => {
    const { languages } = countCorpus(documents);
    for (const lang of ['en', 'es', 'fr', 'de', 'zh', 'ja', 'ru', 'ar', 'hi']) expect(languages[lang], lang).toBeGreaterThanOrEqual(3);
    // Each non-English language has prose and math, not only one kind of text.
    for (const lang of ['es', 'fr', 'de', 'zh', 'ja', 'ru', 'ar', 'hi']) {
      const categories = new Set(documents.filter((d) => d.lang === lang).map((d) => d.category));
      expect(categories.has('math') && categories.has('chat'), lang).toBe(true);
    }
  });

  it('mixes categories from the start, so --chunks N still sees all of them', () => {
    expect(new Set(documents.slice(0, 8).map((d) => d.category))).toEqual(new Set(['chat', 'prose', 'code', 'math']));
  });

  it('gives conversations alternating user/assistant turns after an optional system turn', () => {
    for (const d of documents) {
      if (d.kind !== 'chat') continue;
      const turns = d.messages[0]!.role === 'system' ? d.messages.slice(1) : d.messages;
      turns.forEach((m, i) => expect(m.role, d.origin).toBe(i % 2 === 0 ? 'user' : 'assistant'));
      expect(turns.at(-1)!.role, d.origin).toBe('assistant');
    }
  });

  it.each(TEMPLATE_MODELS)('renders with the %s template and fills enough 512-token chunks', async (model) => {
    const tokenizer = await loadCalibrationTokenizer(tokenizerFiles(model));
    const options = { chatTemplate: chatTemplateOf(model), templateLabel: model };
    const texts = renderCalibrationTexts(documents, tokenizer.special, options);
    documents.forEach((d, i) => {
      if (d.kind === 'chat') expect(texts[i], d.origin).toContain(d.messages.at(-1)!.content.trim().slice(0, 40));
    });
    const stream = assembleCalibrationStream(documents, tokenizer, options);
    expect(stream.documentTokens.every((n) => n > 0)).toBe(true);
    expect(calibrationSequences(stream, 512, tokenizer.bos).length).toBeGreaterThanOrEqual(40);
  }, 60_000);
});
