// The studio's calibration data gives the CLI's token stream: the same documents in the same
// order, the same chunks, and the datasets llama-imatrix-style names.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assembleCalibrationStream, loadCalibrationTokenizer, parseCalibrationJsonl, type CalibrationManifest } from '../core/calibration/index.ts';
import { chunkTokens } from '../core/forward/chunks.ts';
import { planModel } from '../core/model/plan-model.ts';
import { fixtureEntries } from '../app/test-plans.node.ts';
import { blobModelFiles } from '../io/blob-files.ts';
import { prepareCalibrationData } from './calibration-data.ts';

const publicDir = path.resolve(import.meta.dirname, '../../public/calibration');

async function defaultSet() {
  return {
    bytes: new Uint8Array(await readFile(path.join(publicDir, 'default.jsonl'))),
    manifest: JSON.parse(await readFile(path.join(publicDir, 'manifest.json'), 'utf8')) as CalibrationManifest,
  };
}

describe('prepareCalibrationData', () => {
  it('cuts the default set and a text file into llama-imatrix chunks, user file first', async () => {
    const files = blobModelFiles(await fixtureEntries('stories260K'), 'stories260K');
    const plan = await planModel(files);
    const set = await defaultSet();
    const story = 'Once upon a time a small robot learned to paint the sea.';
    const data = await prepareCalibrationData(files, plan, { defaultSet: set, userFiles: [{ name: 'mine.txt', text: story }], contextSize: 64, maxChunks: 4 });

    const docs = [{ kind: 'text' as const, text: story, origin: 'mine.txt' }, ...parseCalibrationJsonl(new TextDecoder().decode(set.bytes), 'x')];
    const tokenizer = await loadCalibrationTokenizer(files);
    const stream = assembleCalibrationStream(docs, tokenizer);
    expect(data.sequences).toEqual(chunkTokens(stream.tokens, { contextSize: 64, maxChunks: 4, bos: tokenizer.bos }));
    expect(data.sequences).toHaveLength(4);
    expect(data.sequences.every((s) => s.length === 64 && s[0] === tokenizer.bos)).toBe(true);
    expect(data.datasets).toEqual(['mine.txt', `calibration/default.jsonl sha256:${set.manifest.sha256}`]);
    expect(data.streamTokens).toBe(stream.tokens.length);
    expect(data.availableChunks).toBe(Math.floor(stream.tokens.length / 64));
    // stories260K has no chat template: conversations fall back to plain text, with a note.
    expect(data.chatTemplate).toBe(false);
    expect(data.warnings.join()).toMatch(/no chat template/);
  });

  it('refuses a default set whose bytes differ from the manifest, and no data at all', async () => {
    const files = blobModelFiles(await fixtureEntries('stories260K'), 'stories260K');
    const plan = await planModel(files);
    const set = await defaultSet();
    const tampered = { ...set, bytes: set.bytes.slice(0, -1) };
    await expect(prepareCalibrationData(files, plan, { defaultSet: tampered, userFiles: [], contextSize: 64, maxChunks: 2 })).rejects.toThrow(/does not match the manifest/);
    await expect(prepareCalibrationData(files, plan, { defaultSet: null, userFiles: [], contextSize: 64, maxChunks: 2 })).rejects.toThrow(/No calibration data/);
    await expect(prepareCalibrationData(files, plan, { defaultSet: null, userFiles: [{ name: 'bad.jsonl', text: '{"nope": 1}' }], contextSize: 64, maxChunks: 2 })).rejects.toThrow(/bad\.jsonl:1/);
  });
});
