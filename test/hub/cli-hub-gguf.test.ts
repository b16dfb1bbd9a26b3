// A GGUF on the Hub as the source: `hf://owner/repo/file.gguf` (one file of a repo of quants, or
// any shard of a split one) is requantized to the bytes the local file gives; a repo of several
// GGUFs named without a file says which it holds.
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/cli-in-process.ts';
import { startHubServer, type HubServer } from '../helpers/hub-server.ts';
import { runLlamaTool } from '../helpers/llama-tools.ts';
import { STORIES260K } from '../helpers/paths.ts';
import { runCliWithEnv } from './cli-with-env.ts';

let server: HubServer;
let work: string;
const repo = () => path.join(work, 'repo');

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'cli-hub-gguf-'));
  await mkdir(repo());
  // A repo of quants: llama.cpp's F32 conversion, our Q8_0 of it, and the F32 split in three.
  await copyFile(path.join(STORIES260K, 'reference-f32.gguf'), path.join(repo(), 'stories260K-F32.gguf'));
  expect((await runCliInProcess(['quantize', path.join(repo(), 'stories260K-F32.gguf'), '--type', 'Q8_0', '-o', path.join(repo(), 'stories260K-Q8_0.gguf')])).code).toBe(0);
  await runLlamaTool('llama-gguf-split', ['--split', '--split-max-tensors', '20', path.join(repo(), 'stories260K-F32.gguf'), path.join(repo(), 'split')]);
  server = await startHubServer({ repos: { 'test-owner/stories260K-GGUF': { dir: repo() } } });
});

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

async function quantize(source: string, out: string) {
  return runCliWithEnv(['quantize', source, '--type', 'Q4_K_M', '--backend', 'cpu', '-o', out], { HF_ENDPOINT: server.url });
}

describe('quantize hf://owner/repo/file.gguf', () => {
  it('gives the bytes of the same GGUF quantized from disk, reading only that file', async () => {
    const local = path.join(work, 'local.gguf');
    expect((await runCliInProcess(['quantize', path.join(repo(), 'stories260K-F32.gguf'), '--type', 'Q4_K_M', '--backend', 'cpu', '-o', local])).code).toBe(0);
    const out = path.join(work, 'from-hub.gguf');
    const r = await quantize('hf://test-owner/stories260K-GGUF/stories260K-F32.gguf', out);
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(out)).equals(await readFile(local))).toBe(true);
    const read = new Set(server.requests.filter((q) => q.path.includes('/resolve/')).map((q) => path.basename(q.path)));
    expect([...read]).toEqual(['stories260K-F32.gguf']);

    const shard = (await readdir(repo())).filter((n) => n.startsWith('split-')).sort()[1]!;
    const fromShards = path.join(work, 'from-shards.gguf');
    const s = await quantize(`hf://test-owner/stories260K-GGUF/${shard}`, fromShards);
    expect(s.code, s.stderr).toBe(0);
    expect((await readFile(fromShards)).equals(await readFile(local))).toBe(true);
  });

  it('names the GGUFs of a repo of several when none is named', async () => {
    const r = await quantize('hf://test-owner/stories260K-GGUF', path.join(work, 'never.gguf'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('test-owner/stories260K-GGUF holds 3 GGUF models (split-00001-of-00003.gguf, stories260K-F32.gguf, stories260K-Q8_0.gguf): name the one to open');
  });

  it('names a file the repo does not have', async () => {
    const r = await quantize('hf://test-owner/stories260K-GGUF/nope.gguf', path.join(work, 'never.gguf'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('nope.gguf: missing from test-owner/stories260K-GGUF');
  });
});
