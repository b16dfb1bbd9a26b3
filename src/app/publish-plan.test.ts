import { describe, expect, it } from 'vitest';
import {
  baseModelProblem, foldProgress, initialProgress, plannedContents, publishErrorText, publishFiles, unquantizedTypeOf, type ExportedArtifacts,
} from './publish-plan.ts';

const gguf = new Blob([new Uint8Array(1000)]);
const q8 = { name: 'stories260K-Q8_0.gguf', blob: gguf, mix: 'Q8_0', typeCounts: { Q8_0: 40, F32: 7 }, bitsPerWeight: 8.5 };
const made: ExportedArtifacts = { ggufs: [q8], architecture: 'llama' };
const request = { repo: 'me/stories260K-GGUF', baseModel: 'test-owner/stories260K', tool: 'quant-studio 0.1.0' };

async function readme(files: { path: string; content: Blob }[]): Promise<string> {
  return files.find((f) => f.path === 'README.md')!.content.text();
}

describe('publishFiles', () => {
  it('a mix: the GGUF (the same Blob, not a copy) and the card with base_model, size and bits per weight', async () => {
    const files = publishFiles(made, { ...request, baseModelRevision: 'abc123' });
    expect(files.map((f) => f.path)).toEqual(['stories260K-Q8_0.gguf', 'README.md']);
    expect(files[0]!.content).toBe(gguf);
    const card = await readme(files);
    expect(card).toMatch(/^---\nbase_model: "test-owner\/stories260K"\nbase_model_relation: quantized\n/);
    expect(card).toContain('| [stories260K-Q8_0.gguf](./stories260K-Q8_0.gguf) | 1.0 kB | 8.50 | Q8_0 | Q8_0×40, F32×7 |');
    expect(card).toContain('(revision `abc123`)');
    expect(card).not.toContain('KLD');
  });

  it('with an imatrix, a dynamic recipe and a measured KLD: all in the commit and on the card', async () => {
    const files = publishFiles({
      ...made,
      ggufs: [{
        ...q8,
        recipe: { json: '{"format":"quant-studio-recipe"}\n', tensorTypes: 'blk.0.attn_q.weight=Q4_K\n', baseMix: 'Q4_K_M', predictedKld: 0.0123 },
        kld: { mean: 0.0456, p99: 0.5, sameTop: 0.93, on: '4 chunks of 128 tokens' },
      }],
      imatrix: { name: 'stories260K.imatrix.gguf', blob: new Blob(['im']), datasets: ['chat', 'code'], chunks: 12, fromCalibration: true },
    }, request);
    expect(files.map((f) => f.path)).toEqual([
      'stories260K-Q8_0.gguf', 'stories260K.imatrix.gguf', 'stories260K-Q8_0.recipe.json', 'stories260K-Q8_0.tensor-types.txt', 'README.md',
    ]);
    expect(await files[3]!.content.text()).toBe('blk.0.attn_q.weight=Q4_K\n');
    const card = await readme(files);
    expect(card).toContain('- imatrix\n');
    expect(card).toContain('  imatrix: "stories260K.imatrix.gguf"');
    expect(card).toContain('| 0.0456 |');
    expect(card).toContain('recipe stories260K-Q8_0.recipe.json (on Q4_K_M) + imatrix');
    expect(card).toContain('Calibration data: `chat`, `code`, 12 chunks.');
    expect(card).toContain('--pure --imatrix stories260K.imatrix.gguf --tensor-type-file stories260K-Q8_0.tensor-types.txt');
    expect(card).toContain('same top token 93.0%, on 4 chunks of 128 tokens');
  });

  it('several quant levels in one commit, a split one as its parts: one card row each, the recipe\'s files for the recipe only', async () => {
    const parts = [{ name: 'm-Q4_K_M-00001-of-00002.gguf', blob: new Blob([new Uint8Array(600)]) }, { name: 'm-Q4_K_M-00002-of-00002.gguf', blob: new Blob([new Uint8Array(500)]) }];
    const files = publishFiles({
      ggufs: [
        { ...q8, name: 'm-dynamic-5.00bpw.gguf', recipe: { json: '{}\n', tensorTypes: 'x=Q4_K\n', baseMix: 'Q4_K_M', predictedKld: null } },
        { name: 'm-Q4_K_M.gguf', blob: new Blob([new Uint8Array(1000)]), parts, splitArgs: ['--split-max-tensors', '20'], mix: 'Q4_K_M', typeCounts: { Q4_K: 30 }, bitsPerWeight: 4.9 },
      ],
      architecture: 'llama',
      sourceGguf: { file: 'm-F16.gguf', hubRepo: 'owner/m-GGUF', revision: 'c0ffee', requantize: false },
    }, request);
    expect(files.map((f) => f.path)).toEqual([
      'm-dynamic-5.00bpw.gguf', 'm-Q4_K_M-00001-of-00002.gguf', 'm-Q4_K_M-00002-of-00002.gguf', 'm-dynamic-5.00bpw.recipe.json', 'm-dynamic-5.00bpw.tensor-types.txt', 'README.md',
    ]);
    // The parts are uploaded as they are (the same Blobs); the whole file is not.
    expect(files[1]!.content).toBe(parts[0]!.blob);
    const card = await readme(files);
    expect(card).toContain('| [m-Q4_K_M-00001-of-00002.gguf](./m-Q4_K_M-00001-of-00002.gguf) (2 files, loaded from the first) | 1.1 kB | 4.90 | Q4_K_M |');
    expect(card).toContain('llama-gguf-split --split --split-max-tensors 20 m-Q4_K_M.gguf m-Q4_K_M');
    // Made from a GGUF: the commands start from it, downloaded from its repository.
    expect(card).toContain('hf download owner/m-GGUF m-F16.gguf --revision c0ffee --local-dir .');
    expect(card).toContain('llama-quantize m-F16.gguf m-Q4_K_M.gguf Q4_K_M');
    expect(card).not.toContain('--type BF16');
  });

  it('an imatrix picked under another extension is still named as a file', () => {
    const files = publishFiles({ ...made, imatrix: { name: 'my-imatrix', blob: new Blob(['x']), datasets: [], chunks: 0, fromCalibration: false } }, request);
    expect(files[1]!.path).toBe('my-imatrix.gguf');
  });
});

describe('baseModelProblem', () => {
  it('asks for owner/name', () => {
    expect(baseModelProblem('test-owner/stories260K')).toBeNull();
    expect(baseModelProblem(' ')).toMatch(/base model .* is needed/);
    expect(baseModelProblem('stories260K')).toMatch(/not a model id/);
    expect(baseModelProblem('a/b/c')).toMatch(/not a model id/);
  });
});

describe('foldProgress', () => {
  const files = [{ path: 'a.gguf', content: new Blob([new Uint8Array(100)]) }, { path: 'README.md', content: new Blob(['hello']) }];

  it('gives each count\'s growth to the file the event names, and everything to every file at the end', () => {
    let s = initialProgress(files);
    expect(s.totalBytes).toBe(105);
    s = foldProgress(s, { phase: 'hashing', path: 'a.gguf', hashedBytes: 60, uploadedBytes: 0, totalBytes: 105 });
    expect(s.phase).toBe('hashing');
    s = foldProgress(s, { phase: 'hashing', path: 'a.gguf', hashedBytes: 100, uploadedBytes: 0, totalBytes: 105 });
    // Hashed to its end: what follows is its upload.
    expect(s.phase).toBe('uploading');
    s = foldProgress(s, { phase: 'hashing', path: 'README.md', hashedBytes: 105, uploadedBytes: 0, totalBytes: 105 });
    expect(s.files.map((f) => f.hashed)).toEqual([100, 5]);
    s = foldProgress(s, { phase: 'uploading' , hashedBytes: 105, uploadedBytes: 0, totalBytes: 105 });
    expect(s.current).toBe('README.md');
    s = foldProgress(s, { phase: 'uploading', path: 'a.gguf', hashedBytes: 105, uploadedBytes: 100, totalBytes: 105 });
    expect(s.files.map((f) => f.uploaded)).toEqual([100, 0]);
    // A retried PUT counts once more in the total; a file never shows more than its size.
    s = foldProgress(s, { phase: 'uploading', path: 'a.gguf', hashedBytes: 105, uploadedBytes: 200, totalBytes: 105 });
    expect(s.files[0]!.uploaded).toBe(100);
    s = foldProgress(s, { phase: 'done', hashedBytes: 105, uploadedBytes: 200, totalBytes: 105 });
    expect(s.files.map((f) => f.uploaded)).toEqual([100, 5]);
    expect(s.uploadedBytes).toBe(105);
  });
});

describe('words', () => {
  it('the panel says what the commit holds', () => {
    expect(plannedContents({ ggufs: ['m-Q4_0.gguf'], dynamic: false, kld: false })).toEqual(['m-Q4_0.gguf', 'a model card (README.md)']);
    expect(plannedContents({ ggufs: ['m.gguf', 'm-Q8_0.gguf'], dynamic: true, kld: true, imatrix: { name: 'm.imatrix.gguf' } }))
      .toEqual(['m.gguf', 'm-Q8_0.gguf', 'the importance matrix m.imatrix.gguf', 'the recipe (JSON and tensor-type file)', 'a model card (README.md) with the measured KLD']);
  });

  it('pushToHub\'s command-line advice becomes the studio\'s', () => {
    expect(publishErrorText('a.gguf → me/x: failed; Run the push again: the files already stored are not sent twice'))
      .toBe('a.gguf → me/x: failed; Publish again: the files already stored are not sent twice');
    expect(publishErrorText('me/x: exists and is public; --private was asked, so nothing was pushed')).toContain('"Private" is ticked');
  });
});

describe('unquantizedTypeOf', () => {
  const t = (dtype: string, n: number, kind?: string) => ({ source: { ...(kind ? { kind } : {}), dtype, shape: [n] } });
  it('the float type holding most weights of a checkpoint; none for a GGUF source', () => {
    expect(unquantizedTypeOf({ tensors: [t('F32', 10), t('BF16', 100), t('BF16', 5)] } as never)).toBe('BF16');
    expect(unquantizedTypeOf({ tensors: [t('F32', 1000), t('F16', 100)] } as never)).toBe('F32');
    expect(unquantizedTypeOf({ tensors: [t('Q4_K', 1000, 'gguf')] } as never)).toBeUndefined();
  });
});
