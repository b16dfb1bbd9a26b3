import { describe, expect, it } from 'vitest';
import { blobByteSource, blobModelFiles, splitCommonFolder } from './blob-files.ts';

const blob = (text: string) => new Blob([new TextEncoder().encode(text)]);

describe('splitCommonFolder', () => {
  it('drops the picked folder from every path and returns it as the label', () => {
    expect(splitCommonFolder(['m/config.json', 'm/sub/a.safetensors'])).toEqual({
      folder: 'm',
      names: ['config.json', 'sub/a.safetensors'],
    });
  });

  it('keeps paths when they do not share one folder', () => {
    expect(splitCommonFolder(['config.json', 'model.safetensors'])).toEqual({
      folder: null,
      names: ['config.json', 'model.safetensors'],
    });
    expect(splitCommonFolder(['a/config.json', 'b/model.safetensors']).folder).toBeNull();
  });
});

describe('blobModelFiles', () => {
  it('reads exact ranges through Blob.slice', async () => {
    const files = blobModelFiles([
      { path: 'tiny/config.json', blob: blob('{"a":1}') },
      { path: 'tiny/model.safetensors', blob: blob('0123456789') },
    ]);
    expect(files.label).toBe('tiny');
    expect(files.names().sort()).toEqual(['config.json', 'model.safetensors']);
    const source = files.open('model.safetensors')!;
    expect(source.size).toBe(10);
    expect(new TextDecoder().decode(await source.read(3, 4))).toBe('3456');
    expect(files.open('missing.json')).toBeUndefined();
  });

  it('rejects a read past the end, naming the file', async () => {
    const source = blobByteSource('model.safetensors', blob('0123'));
    await expect(source.read(2, 8)).rejects.toThrow(/model\.safetensors.*past the end/);
    await expect(source.read(-1, 1)).rejects.toThrow(/model\.safetensors/);
  });

  it('refuses duplicate names and an empty selection', () => {
    expect(() => blobModelFiles([])).toThrow(/No files/);
    expect(() =>
      blobModelFiles([
        { path: 'config.json', blob: blob('{}') },
        { path: 'config.json', blob: blob('{}') },
      ]),
    ).toThrow(/config\.json.*twice/);
  });
});
