// The corpus -> token stream -> chunks path: llama-imatrix's chunking rule, document separators,
// a single BOS at the start, and --text's ids unchanged when it goes through the corpus path.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assembleCalibrationStream, calibrationSequences } from '../../src/core/calibration/assemble.ts';
import { loadCalibrationTokenizer, type CalibrationTokenizer } from '../../src/core/calibration/calibration-tokenizer.ts';
import type { CalibrationDocument } from '../../src/core/calibration/corpus.ts';
import { loadTextTokenizer } from '../../src/core/forward/tokenize.ts';
import { nodeModelFiles } from '../../src/io/node-files.node.ts';
import { STORIES260K, TEXT } from '../helpers/paths.ts';
import { chatTemplateOf, tokenizerFiles } from './tokenizers.ts';

/** One id per character (its code), so streams can be read back as text. */
const charTokenizer = (bos: number | null): CalibrationTokenizer => ({ bos, special: {}, encode: (s) => [...s].map((c) => c.codePointAt(0)!) });
const decode = (ids: number[]) => String.fromCodePoint(...ids);
const text = (t: string, origin = 'x:1'): CalibrationDocument => ({ kind: 'text', text: t, origin });
const chat = (user: string, reply: string, origin = 'x:2'): CalibrationDocument => ({ kind: 'chat', origin, messages: [{ role: 'user', content: user }, { role: 'assistant', content: reply }] });

describe('assembleCalibrationStream', () => {
  it('concatenates documents in order, plain ones separated by a blank line, BOS once in front', () => {
    const warnings: string[] = [];
    const stream = assembleCalibrationStream([text('ab'), chat('q', 'r'), text('cd')], charTokenizer(1), { onWarning: (w) => warnings.push(w) });
    expect(stream.tokens[0]).toBe(1);
    expect(decode(stream.tokens.slice(1))).toBe('ab\n\nuser: q\nassistant: r\n\ncd');
    expect(stream.documentTokens).toEqual([4, 22, 2]);
    expect(warnings).toEqual(['the model has no chat template: conversations are rendered as plain "role: content" text']);
  });

  it('renders conversations with the template, back to back, with no warning', () => {
    const warnings: string[] = [];
    const template = "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}";
    const stream = assembleCalibrationStream([chat('q', 'r'), chat('s', 't')], charTokenizer(null), { chatTemplate: template, onWarning: (w) => warnings.push(w) });
    expect(decode(stream.tokens)).toBe('<user>q<assistant>r<user>s<assistant>t');
    expect(warnings).toEqual([]);
  });

  it('names the document whose rendering fails', () => {
    const template = "{{ raise_exception('no ' + messages[0].role) }}";
    expect(() => assembleCalibrationStream([chat('q', 'r', 'set.jsonl:7')], charTokenizer(null), { chatTemplate: template, templateLabel: 'm/tokenizer_config.json' }))
      .toThrow(/^set\.jsonl:7: rendering with m\/tokenizer_config\.json failed: the chat template raised: no user$/);
  });

  it('keeps a single BOS when the template writes BOS itself (Gemma 3 adds BOS and its template writes <bos>)', async () => {
    const tokenizer = await loadCalibrationTokenizer(tokenizerFiles('gemma3'));
    expect(tokenizer.bos).toBe(2);
    const stream = assembleCalibrationStream([chat('Hi', 'Hello'), chat('Bye', 'Goodbye')], tokenizer, { chatTemplate: chatTemplateOf('gemma3') });
    expect(stream.tokens.slice(0, 2)).toEqual([2, 105]);
    // The second conversation's own <bos> stays where the template put it.
    expect(stream.tokens.filter((t) => t === 2)).toHaveLength(2);
  });

  it('gives a lone text document the ids the --text path gives (stories260K)', async () => {
    const files = await nodeModelFiles(STORIES260K);
    try {
      const sample = (await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8')).slice(0, 3000);
      const plain = await loadTextTokenizer(files);
      const stream = assembleCalibrationStream([text(sample)], await loadCalibrationTokenizer(files));
      expect(plain.bos).not.toBeNull();
      expect(stream.tokens).toEqual(plain.encode(sample));
    } finally {
      await files.close();
    }
  });
});

describe('calibrationSequences (llama-imatrix chunking)', () => {
  const stream = { tokens: Array.from({ length: 23 }, (_, i) => 100 + i), documentTokens: [23] };

  it('cuts n_ctx-token chunks in order, drops the tail and puts BOS first in each', () => {
    expect(calibrationSequences(stream, 5, 1)).toEqual([
      [1, 101, 102, 103, 104],
      [1, 106, 107, 108, 109],
      [1, 111, 112, 113, 114],
      [1, 116, 117, 118, 119],
    ]);
  });

  it('leaves the tokens alone without BOS and honours --chunks', () => {
    expect(calibrationSequences(stream, 10, null, 1)).toEqual([[100, 101, 102, 103, 104, 105, 106, 107, 108, 109]]);
  });

  it('refuses a corpus shorter than two chunks, as llama-imatrix does', () => {
    expect(() => calibrationSequences(stream, 12, 1)).toThrow(/calibration corpus: 23 tokens is too short for a context of 12 \(llama\.cpp needs at least 24\)/);
  });
});
