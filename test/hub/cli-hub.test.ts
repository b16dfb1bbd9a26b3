// `quant-studio quantize hf://…` against the local Hub stand-in: through every fault a retry can
// survive, the output is byte-identical to a local-folder export; through the others, the CLI
// exits non-zero with a message saying what to do and leaves no file behind.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServer, type HubFault, type HubServer } from '../helpers/hub-server.ts';
import { STORIES260K, TINY_LLAMA_10M } from '../helpers/paths.ts';
import { runCliWithEnv } from './cli-with-env.ts';

const WEIGHTS = 'model.safetensors';
const TOKEN = 'hf_accepted_token';
let server: HubServer;
let work: string;
const reference = new Map<string, Buffer>();

async function localExport(dir: string, type: string): Promise<Buffer> {
  const out = path.join(work, `local-${path.basename(dir)}-${type}.gguf`);
  const r = await runCliWithEnv(['quantize', dir, '--type', type, '--backend', 'cpu', '-o', out], {});
  expect(r.code, r.stderr).toBe(0);
  return readFile(out);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'hub-cli-'));
  server = await startHubServer({
    repos: {
      'test-owner/stories260K': { dir: STORIES260K },
      'test-owner/tiny-llama-10m': { dir: TINY_LLAMA_10M },
      'gated-owner/stories260K': { dir: STORIES260K, gated: true, tokens: [TOKEN] },
    },
  });
  reference.set('stories260K', await localExport(STORIES260K, 'Q8_0'));
  reference.set('tiny-llama-10m', await localExport(TINY_LLAMA_10M, 'Q8_0'));
});

afterAll(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

async function quantizeFromHub(spec: string, faults: HubFault[], env: Record<string, string> = {}) {
  server.faults.splice(0, server.faults.length, ...faults);
  server.requests.length = 0;
  const out = path.join(work, `hub-${Math.random().toString(36).slice(2)}.gguf`);
  const r = await runCliWithEnv(['quantize', `hf://${spec}`, '--type', 'Q8_0', '--backend', 'cpu', '-o', out], { HF_ENDPOINT: server.url, ...env });
  return { ...r, out };
}

function weightRequests() {
  return server.requests.filter((r) => r.server === 'cdn' && r.path.includes(`file=${WEIGHTS}`));
}

/** Some request for bytes a-b was followed by one for (a + after)-b: resumed, not restarted. */
function expectResumedAfter(ranges: (string | null)[], after: number): void {
  const parsed = ranges.map((r) => /^bytes=(\d+)-(\d+)$/.exec(r ?? '')).filter((m) => m !== null).map((m) => [Number(m[1]), Number(m[2])] as const);
  const resumed = parsed.some(([a, b]) => b - a + 1 > after && parsed.some(([c, d]) => c === a + after && d === b));
  expect(resumed, ranges.join(', ')).toBe(true);
}

describe('quantize hf://… through faults a retry survives', () => {
  const survivable: [string, HubFault[], (ranges: (string | null)[]) => void][] = [
    ['a connection cut mid-body', [{ kind: 'cut', file: WEIGHTS, afterBytes: 3000 }], (ranges) => expectResumedAfter(ranges, 3000)],
    ['a truncated body (Content-Length larger than what was sent)', [{ kind: 'truncate', file: WEIGHTS, afterBytes: 5000 }], (ranges) => expectResumedAfter(ranges, 5000)],
    ['two HTTP 500s', [{ kind: 'status', file: WEIGHTS, status: 500, times: 2 }], (ranges) => expect(ranges.length).toBeGreaterThanOrEqual(3)],
    ['HTTP 429 with Retry-After', [{ kind: 'status', file: WEIGHTS, status: 429, retryAfter: '1' }], (ranges) => expect(ranges.length).toBeGreaterThanOrEqual(2)],
    ['HTTP 503 on a small file served by the Hub itself', [{ kind: 'status', file: 'config.json', status: 503, retryAfter: '0' }], () => {
      expect(server.requests.filter((r) => r.path.endsWith('/config.json') && r.status === 503)).toHaveLength(1);
    }],
  ];
  for (const [what, faults, check] of survivable) {
    it(`writes the same bytes as a local export through ${what}`, async () => {
      const started = performance.now();
      const r = await quantizeFromHub('test-owner/stories260K', faults);
      expect(r.code, r.stderr).toBe(0);
      expect((await readFile(r.out)).equals(reference.get('stories260K')!)).toBe(true);
      expect(server.faults.every((f) => (f.times ?? 1) === 0)).toBe(true); // every fault was hit
      check(weightRequests().map((q) => q.range));
      if (faults[0]!.kind === 'status' && faults[0]!.retryAfter === '1') expect(performance.now() - started).toBeGreaterThan(1000);
    });
  }

  it('streams a larger file (tiny-llama-10m, several requests) through a cut and a truncation', async () => {
    const r = await quantizeFromHub('test-owner/tiny-llama-10m', [
      { kind: 'cut', file: WEIGHTS, afterBytes: 1_000_000 },
      { kind: 'truncate', file: WEIGHTS, afterBytes: 2_000_000 },
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(r.out)).equals(reference.get('tiny-llama-10m')!)).toBe(true);
    expect(weightRequests().filter((q) => q.status === 206).length).toBeGreaterThan(2);
  });

  it('sends the token to the Hub but not to the CDN it redirects to', async () => {
    const r = await quantizeFromHub('gated-owner/stories260K', [], { HF_TOKEN: TOKEN });
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(r.out)).equals(reference.get('stories260K')!)).toBe(true);
    const hub = server.requests.filter((q) => q.server === 'hub');
    const cdn = server.requests.filter((q) => q.server === 'cdn');
    expect(hub.length).toBeGreaterThan(3);
    expect(cdn.length).toBeGreaterThan(0);
    expect(hub.every((q) => q.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(cdn.every((q) => q.authorization === null)).toBe(true);
  });

  it('inspects a Hub model', async () => {
    server.faults.length = 0;
    const r = await runCliWithEnv(['inspect', 'hf://test-owner/stories260K@main', '--json'], { HF_ENDPOINT: server.url });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tensors).toHaveLength(47);
  });
});

describe('quantize hf://… failures', () => {
  async function expectCleanFailure(spec: string, faults: HubFault[], env: Record<string, string>, message: RegExp) {
    const r = await quantizeFromHub(spec, faults, env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(existsSync(r.out)).toBe(false);
    expect(existsSync(`${r.out}.partial`)).toBe(false);
    return r;
  }

  it('a gated repo without a token: accept the licence and give a token', async () => {
    const r = await expectCleanFailure('gated-owner/stories260K', [], {}, /HTTP 401/);
    expect(r.stderr).toContain(`accept the licence at ${server.url}/gated-owner/stories260K`);
    expect(r.stderr).toContain('HF_TOKEN');
  });

  it('a gated repo with a token that was not granted access: 403', async () => {
    const r = await expectCleanFailure('gated-owner/stories260K', [], { HF_TOKEN: 'hf_other' }, /HTTP 403/);
    expect(r.stderr).toContain(`accept the licence at ${server.url}/gated-owner/stories260K`);
  });

  it('a persistent HTTP 500: gives up naming the file and byte range', async () => {
    await expectCleanFailure('test-owner/stories260K', [{ kind: 'status', file: WEIGHTS, status: 500, retryAfter: '0', times: Infinity }], {},
      /model\.safetensors: bytes \d+-\d+: gave up after 6 failed attempts in a row \(last: HTTP 500\)/);
  });

  it('a corrupt download: sha256 mismatch naming the file and both hashes', async () => {
    await expectCleanFailure('test-owner/stories260K', [{ kind: 'flip-byte', file: WEIGHTS, offset: 600_000, times: Infinity }], {},
      /model\.safetensors: sha256 mismatch: expected [0-9a-f]{64} .*got [0-9a-f]{64}/);
  });

  it('a repo that does not exist: 404', async () => {
    await expectCleanFailure('test-owner/no-such-model', [], {}, /test-owner\/no-such-model@main: repository or revision not found/);
  });

  it('a revision that does not exist: 404', async () => {
    await expectCleanFailure('test-owner/stories260K@no-such-branch', [], {}, /stories260K@no-such-branch: repository or revision not found/);
  });
});
