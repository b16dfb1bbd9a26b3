// quantize --push: several mixes quantized from one download of a Hub model and published in one
// commit with their model card. The source's weights cross the network once, not once per file;
// the repository then lists every file with the sha256 of the files written beside it.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listFiles } from '@huggingface/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServer, type HubServer } from '../helpers/hub-server.ts';
import { STORIES260K } from '../helpers/paths.ts';
import { runCliWithEnv } from './cli-with-env.ts';

const TOKEN = 'hf_quantize_pusher';
let server: HubServer;
let work: string;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'quantize-push-'));
  server = await startHubServer({
    repos: { 'test-owner/stories260K': { dir: STORIES260K } },
    write: { storeDir: path.join(work, 'store'), tokens: { [TOKEN]: ['me'] } },
  });
});

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('quantize --type A,B,C --push', () => {
  it('downloads the weights once, writes every mix, and publishes them with a card naming the Hub source as base model', async () => {
    const out = path.join(work, 'stories260K-{mix}.gguf');
    const r = await runCliWithEnv(
      ['quantize', 'hf://test-owner/stories260K', '--type', 'Q4_K_M,Q8_0,F16', '--backend', 'cpu', '-o', out, '--push', 'me/stories260K-GGUF', '--private'],
      { HF_TOKEN: TOKEN, HF_ENDPOINT: server.url, QUANT_STUDIO_HUB_STATS: '1' },
    );
    expect(r.code, r.stderr).toBe(0);
    const names = ['Q4_K_M', 'Q8_0', 'F16'].map((m) => `stories260K-${m}.gguf`);
    const stats = JSON.parse(/hub-stats (\{.*\})/.exec(r.stderr)![1]!) as { bytesReceived: number };
    const weights = (await stat(path.join(STORIES260K, 'model.safetensors'))).size;
    // Once: the weights plus the small JSON files, well under twice the weights.
    expect(stats.bytesReceived).toBeGreaterThanOrEqual(weights);
    expect(stats.bytesReceived).toBeLessThan(1.5 * weights);
    expect(server.isPrivate('me/stories260K-GGUF')).toBe(true);

    const listed = new Map<string, string | undefined>();
    for await (const f of listFiles({ repo: 'me/stories260K-GGUF', hubUrl: server.url, accessToken: TOKEN })) listed.set(f.path, f.lfs?.oid);
    for (const name of names) expect(listed.get(name), name).toBe(sha256(await readFile(path.join(work, name))));
    expect(listed.has('README.md')).toBe(true);
    const card = await (await fetch(`${server.url}/me/stories260K-GGUF/resolve/main/README.md`, { headers: { Authorization: `Bearer ${TOKEN}` } })).text();
    expect(card).toMatch(/^---\n[\s\S]*base_model: "test-owner\/stories260K"\n/);
    for (const name of names) expect(card).toContain(name);
    // stories260K is F32: the card rebuilds the files from an F32 GGUF, which gives their bytes.
    expect(card).toContain('npx quant-studio quantize hf://test-owner/stories260K --type F32 -o stories260K-F32.gguf');
    expect(server.commits('me/stories260K-GGUF').filter((c) => Object.keys(c.files).some((f) => f.endsWith('.gguf')))).toHaveLength(1);
  });

  it('refuses --push without a token before any work, and without a base model for a local source', async () => {
    const out = path.join(work, 'never-{mix}.gguf');
    // Independent runs, side by side.
    const [noToken, noBase] = await Promise.all([
      runCliWithEnv(['quantize', 'hf://test-owner/stories260K', '--type', 'Q8_0', '-o', out, '--push', 'me/x'], { HF_ENDPOINT: server.url }),
      runCliWithEnv(['quantize', STORIES260K, '--type', 'Q8_0', '-o', out, '--push', 'me/x'], { HF_TOKEN: TOKEN, HF_ENDPOINT: server.url }),
    ]);
    expect(noToken.code).not.toBe(0);
    expect(noToken.stderr).toContain('--push me/x needs a write token: set HF_TOKEN');
    expect(noBase.code).not.toBe(0);
    expect(noBase.stderr).toContain('give --base-model owner/name');
    expect(server.commits('me/x')).toEqual([]);
  });
});
