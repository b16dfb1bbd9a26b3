// The domain evidence (domain-evidence.ts) on tiny-qwen3, the project's trained Qwen3 (per-head q/k
// norms, NeoX rope, an untied output head): a second architecture, and a model whose embedding and
// output head are small (a 512-token vocabulary), so that the transformer blocks hold most of the
// weights, as in the models users quantize.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { tinyQwen3Folder } from '../helpers/tiny-qwen3.ts';
import { domainEvidenceSuite, weightShares } from './domain-evidence.ts';

domainEvidenceSuite('tiny-qwen3', tinyQwen3Folder);

it('tiny-qwen3: the blocks hold 92% of the weights, beside an untied output head as small as the embedding', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tiny-qwen3-'));
  try {
    const shares = await weightShares(await tinyQwen3Folder(dir));
    expect(shares.blocks).toBeCloseTo((4 * 787_072) / 3_410_688, 6);
    expect(shares.outputHead).toBeCloseTo(shares.embedding, 12);
    expect(shares.outputHead).toBeGreaterThan(0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
