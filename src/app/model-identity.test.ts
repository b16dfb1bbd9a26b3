// One name per model: a Hub model by repo@commit, a folder by its files. The sensitivity cache,
// calibration checkpoints and the evaluation's "compared with" all use it.
import { describe, expect, it } from 'vitest';
import type { ModelPlan } from '../core/model/plan-types.ts';
import { checkpointKey } from './calibration-actions.ts';
import { modelIdentity, modelIdentityOf } from './model-identity.ts';
import { initialSource } from './store.ts';

const file = (bytes: number, lastModified: number) => new File([new Uint8Array(bytes)], 'x', { lastModified });

describe('modelIdentityOf', () => {
  it('names a Hub model by repo@commit, whatever endpoint or token reads it', () => {
    expect(modelIdentityOf({ kind: 'hub', repo: 'owner/model', commit: 'a'.repeat(40) })).toBe(`hub:owner/model@${'a'.repeat(40)}`);
    expect(modelIdentityOf({ kind: 'hub', repo: 'owner/model', commit: 'b'.repeat(40) })).not.toBe(modelIdentityOf({ kind: 'hub', repo: 'owner/model', commit: 'a'.repeat(40) }));
  });

  it('names a folder by its files, in any order, never like a Hub model', () => {
    const a = [{ path: 'm/config.json', blob: file(10, 1) }, { path: 'm/model.safetensors', blob: file(100, 2) }];
    const id = (files: typeof a) => modelIdentityOf({ kind: 'files', files });
    expect(id(a)).toBe(id([...a].reverse()));
    expect(id(a)).not.toBe(id([a[0]!, { path: 'm/model.safetensors', blob: file(101, 2) }]));
    expect(id(a)).not.toBe(id([a[0]!, { path: 'm/model.safetensors', blob: file(100, 3) }]));
    expect(id(a)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('modelIdentity', () => {
  it('is the identity the open stored, and only while the model is ready', () => {
    const plan = { tensors: [] } as unknown as ModelPlan;
    const ready = { ...initialSource, status: 'ready' as const, plan, identity: 'hub:o/m@c1' };
    expect(modelIdentity(ready)).toBe('hub:o/m@c1');
    expect(modelIdentity({ ...ready, status: 'planning' })).toBeNull();
    expect(modelIdentity(initialSource)).toBeNull();
  });
});

describe('checkpoint keys', () => {
  it('change with the model, the sequences and the pass size', () => {
    const seqs = [[1, 5, 7], [1, 8, 9]];
    const key = checkpointKey('model', seqs, 16);
    expect(checkpointKey('model', [[1, 5, 7], [1, 8, 9]], 16)).toBe(key);
    expect(checkpointKey('model', [[1, 5, 7], [1, 8, 10]], 16)).not.toBe(key);
    expect(checkpointKey('model', seqs, 8)).not.toBe(key);
    expect(checkpointKey('other', seqs, 16)).not.toBe(key);
  });
});
