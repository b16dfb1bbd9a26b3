// `quant-studio push` against the local Hub stand-in, on real files: two GGUFs quantized from
// stories260K (one by a llama.cpp mix with an importance matrix, one matching a recipe), the
// imatrix, the recipe, and a KLD measured by `quant-studio eval`. The repository lists every file
// with its sha256, the generated model card's front matter and table read back to what was pushed;
// a push that fails leaves no commit and says which file and repository.
import { createHash } from 'node:crypto';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listFiles } from '@huggingface/hub';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseRecipe } from '../../src/core/dynamic/recipe.ts';
import { recipeTensorTypeFile } from '../../src/core/dynamic/tensor-type-file.ts';
import { ggmlTypeById } from '../../src/core/ggml-type.ts';
import { readGgufInfo } from '../../src/core/gguf/read-gguf.ts';
import { NodeFileSource } from '../../src/io/node-files.node.ts';
import { startHubServer, type HubServer } from '../helpers/hub-server.ts';
import { STORIES260K, TEXT } from '../helpers/paths.ts';
import { runAndMeasurePeakRss } from '../../bench/export-memory.ts';
import { CLI_BIN } from '../helpers/cli.ts';
import { runCliWithEnv } from './cli-with-env.ts';

const TOKEN = 'hf_cli_writer';
let server: HubServer;
let work: string;
const at = (name: string) => path.join(work, name);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The CLI against the stand-in; retries back off from 1 ms, not 500 (every retry still made). */
async function cli(args: string[], env: Record<string, string | undefined> = {}) {
  return runCliWithEnv(args, { HF_TOKEN: TOKEN, HF_ENDPOINT: server.url, QUANT_STUDIO_RETRY_BASE_MS: '1', ...env });
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'cli-push-'));
  server = await startHubServer({
    repos: {},
    // Small parts, so that these small files go through the multipart protocol too.
    write: { storeDir: at('store'), tokens: { [TOKEN]: ['me'] }, multipartThreshold: 100_000, chunkSize: 64 * 1024 },
  });
  const run = async (args: string[]) => {
    const r = await runCliWithEnv(args, {});
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };
  // The start of the sample: imatrix and eval tokenize all of --text (seconds for the whole file)
  // and use 2 chunks of 64 tokens of it.
  const text = at('tinystories_val_sample.txt');
  await writeFile(text, (await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8')).slice(0, 8000));
  // The Q8_0 file is made while the imatrix, the Q4_K_M file and its KLD are, one after the other.
  await Promise.all([
    run(['quantize', STORIES260K, '--type', 'Q8_0', '--backend', 'cpu', '-o', at('stories-Q8_0.gguf')]),
    (async () => {
      await run(['imatrix', STORIES260K, '--text', text, '--ctx', '64', '--chunks', '2', '-o', at('imatrix.gguf')]);
      await run(['quantize', STORIES260K, '--type', 'Q4_K_M', '--imatrix', at('imatrix.gguf'), '--backend', 'cpu', '-o', at('stories-Q4_K_M.gguf')]);
      await writeFile(at('eval.json'), await run(['eval', STORIES260K, at('stories-Q4_K_M.gguf'), '--text', text, '--ctx', '64', '--chunks', '2', '--json']));
    })(),
  ]);
  // A recipe whose types are the Q8_0 file's (as `plan` would write one).
  const source = new NodeFileSource('q8', at('stories-Q8_0.gguf'), (await readFile(at('stories-Q8_0.gguf'))).length);
  const info = await readGgufInfo(source);
  await source.close();
  const tensors = info.parsed.tensorInfos.map((t) => ({ name: t.name, type: ggmlTypeById(Number(t.dtype))! }));
  await writeFile(at('recipe.json'), JSON.stringify({
    format: 'quant-studio-recipe', version: 1, provenance: { model: 'test-owner/stories260K', modelFingerprint: '', imatrix: null, calibration: null, tool: 'quant-studio test' },
    baseMix: 'Q8_0', fileBytes: 344608, bitsPerWeight: 8.5, predictedKld: 0.0004, tensors,
  }));
}, 300_000);

afterAll(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

beforeEach(() => {
  server.faults.length = 0;
  server.requests.length = 0;
});

/** The YAML we write: `key: scalar`, `key:` + `- item` lists, `key:` + indented `  key: scalar`. */
function parseFrontMatter(readme: string): Record<string, unknown> {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(readme);
  if (!m) throw new Error('no front matter');
  const out: Record<string, unknown> = {};
  let list: unknown[] | null = null;
  let nested: Record<string, unknown> | null = null;
  const scalar = (s: string) => (s.startsWith('"') ? JSON.parse(s) : s);
  for (const line of m[1]!.split('\n')) {
    let k: RegExpExecArray | null;
    if ((k = /^- (.*)$/.exec(line))) list!.push(scalar(k[1]!));
    else if ((k = /^ {2}- (.*)$/.exec(line))) list!.push(scalar(k[1]!));
    else if ((k = /^ {2}([\w-]+):(?: (.*))?$/.exec(line))) {
      if (k[2] === undefined) nested![k[1]!] = list = [];
      else nested![k[1]!] = scalar(k[2]);
    } else if ((k = /^([\w-]+):(?: (.*))?$/.exec(line))) {
      if (k[2] === undefined) {
        list = [];
        nested = {};
        out[k[1]!] = k[1] === 'tags' ? list : nested;
      } else out[k[1]!] = scalar(k[2]);
    } else throw new Error(`unexpected front matter line ${JSON.stringify(line)}`);
  }
  return out;
}

/** The "## Files" table as one record per row, by header. */
function parseFileTable(readme: string): Record<string, string>[] {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => l.startsWith('| File |'));
  const split = (l: string) => l.slice(2, -2).split(/(?<!\\) \| /).map((c) => c.replace(/\\\|/g, '|'));
  const header = split(lines[start]!);
  const rows: Record<string, string>[] = [];
  for (const l of lines.slice(start + 2)) {
    if (!l.startsWith('| ')) break;
    rows.push(Object.fromEntries(split(l).map((c, i) => [header[i]!, c])));
  }
  return rows;
}

describe('quant-studio push', () => {
  it('pushes GGUFs, imatrix, recipe and a model card in one commit; the Hub lists them, sha256 match, the card reads back', async () => {
    const repo = 'me/stories260K-GGUF';
    const r = await cli([
      'push', repo, at('stories-Q8_0.gguf'), at('stories-Q4_K_M.gguf'), '--base-model', 'test-owner/stories260K', '--base-revision', 'abc123',
      '--imatrix', at('imatrix.gguf'), '--recipe', at('recipe.json'), '--kld', `stories-Q4_K_M.gguf=${at('eval.json')}`, '--license', 'mit', '--private',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^created ${server.url}/${repo} \\(private\\): 6 files in commit [0-9a-f]{40}\\n$`));
    expect(server.isPrivate(repo)).toBe(true);
    expect(server.commits(repo)).toHaveLength(2);

    const listed = new Map<string, { size: number; lfs?: { oid: string } }>();
    for await (const f of listFiles({ repo, hubUrl: server.url, accessToken: TOKEN, fetch })) listed.set(f.path, f);
    expect([...listed.keys()].sort()).toEqual(['.gitattributes', 'README.md', 'imatrix.gguf', 'recipe.json', 'recipe.tensor-types.txt', 'stories-Q4_K_M.gguf', 'stories-Q8_0.gguf']);
    for (const name of ['imatrix.gguf', 'stories-Q4_K_M.gguf', 'stories-Q8_0.gguf']) {
      expect(listed.get(name)?.lfs?.oid, name).toBe(sha256(await readFile(at(name))));
    }
    const get = async (name: string) => {
      const res = await fetch(`${server.url}/${repo}/resolve/main/${name}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status, name).toBe(200);
      return Buffer.from(await res.arrayBuffer());
    };
    for (const name of ['imatrix.gguf', 'recipe.json', 'stories-Q4_K_M.gguf', 'stories-Q8_0.gguf']) expect(sha256(await get(name)), name).toBe(sha256(await readFile(at(name))));
    expect((await get('recipe.tensor-types.txt')).toString()).toBe(recipeTensorTypeFile(parseRecipe(await readFile(at('recipe.json'), 'utf8'))));

    const readme = (await get('README.md')).toString();
    const meta = parseFrontMatter(readme);
    expect(meta.base_model).toBe('test-owner/stories260K');
    expect(meta.base_model_relation).toBe('quantized');
    expect(meta.quantized_by).toBe('quant-studio');
    expect(meta.license).toBe('mit');
    expect(meta.library_name).toBe('gguf');
    expect(meta.tags).toEqual(expect.arrayContaining(['gguf', 'quantized', 'imatrix', 'llama']));
    expect(meta.quantization).toMatchObject({ methods: ['recipe:Q8_0', 'Q4_K_M'], imatrix: 'imatrix.gguf' });

    const rows = parseFileTable(readme);
    expect(rows.map((row) => row.File)).toEqual(['[stories-Q8_0.gguf](./stories-Q8_0.gguf)', '[stories-Q4_K_M.gguf](./stories-Q4_K_M.gguf)']);
    expect(rows[0]!.Size).toBe('344.6 kB');
    expect(rows[1]!.Size).toBe('282.1 kB');
    // Bits per weight: the tensor data section's bits over the weights (padding aside).
    for (const [i, name] of ['stories-Q8_0.gguf', 'stories-Q4_K_M.gguf'].entries()) {
      const size = (await readFile(at(name))).length;
      const source = new NodeFileSource(name, at(name), size);
      const info = await readGgufInfo(source);
      await source.close();
      const weights = info.parsed.tensorInfos.reduce((a, t) => a + t.shape.map(Number).reduce((x, y) => x * y, 1), 0);
      expect(Math.abs(Number(rows[i]!['Bits per weight']) - ((size - info.dataStart) * 8) / weights), name).toBeLessThan(0.05);
    }
    expect(Number(rows[1]!['Bits per weight'])).toBeLessThan(Number(rows[0]!['Bits per weight']));
    const evalJson = JSON.parse(await readFile(at('eval.json'), 'utf8'));
    expect(Number(rows[1]!['KLD (mean)'])).toBeCloseTo(evalJson.kld.mean.value, 3);
    expect(rows[0]!['KLD (mean)']).toBe('—');
    expect(rows[0]!.Method).toBe('recipe recipe.json (on Q8_0)');
    expect(rows[1]!.Method).toBe('Q4_K_M + imatrix');
    const counts = rows[0]!['Tensor types']!.split(', ').map((c) => c.split('×'));
    expect(counts[0]![0]).toBe('Q8_0');
    expect(counts.reduce((a, [, n]) => a + Number(n), 0)).toBe(JSON.parse(await readFile(at('recipe.json'), 'utf8')).tensors.length);

    expect(readme).toContain('imatrix.gguf');
    expect(readme).toContain('Calibration data:');
    expect(readme).toContain('npx quant-studio quantize hf://test-owner/stories260K@abc123 --type BF16 -o stories260K-BF16.gguf');
    expect(readme).toContain('llama-quantize --imatrix imatrix.gguf stories260K-BF16.gguf stories-Q4_K_M.gguf Q4_K_M');
    // quantize ran with the imatrix's full path, which llama-quantize records in the file.
    expect(readme).toContain(`byte-identical file pass the string recorded: stories-Q4_K_M.gguf: \`${at('imatrix.gguf')}\``);
    expect(readme).toContain('llama-quantize --pure --tensor-type-file recipe.tensor-types.txt stories260K-BF16.gguf stories-Q8_0.gguf Q8_0');

    // The token went to the endpoint only.
    expect(server.requests.filter((q) => q.server === 'cdn').every((q) => q.authorization === null)).toBe(true);
    expect(server.requests.filter((q) => q.method === 'PUT').length).toBeGreaterThan(4);
  });

  it('refuses before any request: no token, a missing file, a bad repository, no base model', async () => {
    // Independent runs, side by side.
    const [noToken, missing, badRepo, noBase, badKld] = await Promise.all([
      cli(['push', 'me/x', at('stories-Q8_0.gguf'), '--base-model', 'a/b'], { HF_TOKEN: undefined }),
      cli(['push', 'me/x', at('nope.gguf'), '--base-model', 'a/b']),
      cli(['push', 'not a repo', at('stories-Q8_0.gguf')]),
      cli(['push', 'me/x', at('stories-Q8_0.gguf')]),
      cli(['push', 'me/x', at('stories-Q8_0.gguf'), '--base-model', 'a/b', '--kld', `other.gguf=${at('eval.json')}`]),
    ]);
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toBe('quant-studio push: pushing to me/x needs a write token: set HF_TOKEN (https://huggingface.co/settings/tokens)\n');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`${at('nope.gguf')}: no such file`);
    expect(badRepo.stderr).toContain('"not a repo" is not a repository to push to: expected owner/name');
    expect(noBase.stderr).toContain('--base-model <owner/name> is required for the model card');
    expect(badKld.stderr).toContain('--kld other.gguf: not one of the GGUF files pushed');
    expect(server.requests).toHaveLength(0);
  });

  it('a cut that does not heal: exit 1, the file and repository named, no commit, nothing half-stored', async () => {
    const repo = 'me/cut-push';
    server.faults.push({ kind: 'upload-cut', part: 2, afterBytes: 10_000, times: Infinity });
    // A file the store does not have yet.
    const bytes = Buffer.concat([await readFile(at('stories-Q8_0.gguf')), Buffer.from('different tail')]);
    await writeFile(at('other.gguf'), bytes);
    const r = await cli(['push', repo, at('other.gguf'), '--no-card']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^quant-studio push: other\.gguf → me\/cut-push: uploading other\.gguf \(from byte 65536\) failed 6 times \(last: connection failed .*\); nothing was committed, me\/cut-push is as it was\. Run the push again: the files already stored are not sent twice\n$/);
    expect(server.commits(repo).map((c) => c.summary)).toEqual(['initial commit']);
    expect(await server.storedObjects()).not.toContain(sha256(bytes));
    // Pushed again once the network is back: done, the parts already stored by then are not resent.
    server.faults.length = 0;
    const again = await cli(['push', repo, at('other.gguf'), '--no-card', '-m', 'retry']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`updated ${server.url}/${repo}: 1 files in commit`);
    expect(server.commits(repo).map((c) => c.summary)).toEqual(['initial commit', 'retry']);
  }, 120_000);
});

describe('memory', () => {
  it('pushing a 400 MB file, in one PUT and in 16 MiB parts: the CLI stays within 120 MB of its resting size', async () => {
    const file = at('big.gguf');
    const handle = await open(file, 'w');
    await handle.truncate(400e6);
    await handle.write(Buffer.from('not all zeros'), 0, 13, 200e6);
    await handle.close();
    const rest = await runAndMeasurePeakRss(process.execPath, [CLI_BIN, '--help']);
    const saved = { HF_TOKEN: process.env.HF_TOKEN, HF_ENDPOINT: process.env.HF_ENDPOINT };
    try {
      for (const threshold of [1e9, 16 << 20]) {
        const hub = await startHubServer({ repos: {}, write: { storeDir: at(`store-${threshold}`), tokens: { [TOKEN]: ['me'] }, multipartThreshold: threshold, chunkSize: 16 << 20 } });
        try {
          Object.assign(process.env, { HF_TOKEN: TOKEN, HF_ENDPOINT: hub.url });
          const run = await runAndMeasurePeakRss(process.execPath, [CLI_BIN, 'push', 'me/big', file, '--no-card']);
          const puts = hub.requests.filter((q) => q.method === 'PUT').length;
          console.log(`push 400 MB in ${puts} PUT(s): peak RSS ${(run.peakRss / 1e6).toFixed(0)} MB (at rest ${(rest.peakRss / 1e6).toFixed(0)} MB), ${(400 / run.seconds).toFixed(0)} MB/s`);
          expect(puts).toBe(threshold === 1e9 ? 1 : 24);
          expect(hub.commits('me/big')).toHaveLength(2);
          expect(run.peakRss - rest.peakRss).toBeLessThan(120e6);
        } finally {
          await hub.close();
          await rm(at(`store-${threshold}`), { recursive: true, force: true });
        }
      }
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
      await rm(file, { force: true });
    }
  }, 300_000);
});
