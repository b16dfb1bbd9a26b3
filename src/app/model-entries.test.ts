// The keys that decide whether a stored calibration checkpoint may resume: the same model files
// and the same token sequences give the same key; anything else gives another.
import { describe, expect, it } from 'vitest';
import { checkpointKey } from './calibration-actions.ts';
import { modelKey } from './model-entries.ts';

const file = (bytes: number, lastModified: number) => new File([new Uint8Array(bytes)], 'x', { lastModified });

describe('checkpoint keys', () => {
  it('name a model by its files, in any order', () => {
    const a = [{ path: 'm/config.json', blob: file(10, 1) }, { path: 'm/model.safetensors', blob: file(100, 2) }];
    expect(modelKey(a)).toBe(modelKey([...a].reverse()));
    expect(modelKey(a)).not.toBe(modelKey([a[0]!, { path: 'm/model.safetensors', blob: file(101, 2) }]));
    expect(modelKey(a)).not.toBe(modelKey([a[0]!, { path: 'm/model.safetensors', blob: file(100, 3) }]));
    expect(modelKey(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('change with the sequences and the pass size', () => {
    const seqs = [[1, 5, 7], [1, 8, 9]];
    const key = checkpointKey('model', seqs, 16);
    expect(checkpointKey('model', [[1, 5, 7], [1, 8, 9]], 16)).toBe(key);
    expect(checkpointKey('model', [[1, 5, 7], [1, 8, 10]], 16)).not.toBe(key);
    expect(checkpointKey('model', seqs, 8)).not.toBe(key);
    expect(checkpointKey('other', seqs, 16)).not.toBe(key);
  });
});
