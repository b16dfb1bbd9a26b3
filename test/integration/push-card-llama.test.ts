// The model card's "Reproduce with llama.cpp" block, run as written: the unquantized GGUF from
// the Hub (the local stand-in serving stories260K, whose weights are F32: --source-type F32), then llama.cpp's own llama-quantize with the
// imatrix and the --tensor-type-file downloaded from the pushed repository. Every file it writes
// must be the pushed file, byte for byte: a llama.cpp mix with an imatrix, a recipe, and a file
// quantized from a GGUF (the card then downloads that GGUF and requantizes it).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { listFiles } from '@huggingface/hub';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ggmlTypeById } from '../../src/core/ggml-type.ts';
import { readGgufInfo } from '../../src/core/gguf/read-gguf.ts';
import { NodeFileSource } from '../../src/io/node-files.node.ts';
import { CLI_BIN } from '../helpers/cli.ts';
import { startHubServer, type HubServer } from '../helpers/hub-server.ts';
import { llamaToolPath } from '../helpers/llama-tools.ts';
import { STORIES260K, TEXT } from '../helpers/paths.ts';

const TOKEN = 'hf_card_writer';
const REPO = 'me/stories260K-GGUF';
let server: HubServer;
let work: string;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Runs `file args` in `cwd` with the Hub stand-in as HF_ENDPOINT. */
async function run(file: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(file, args, { cwd, env: { ...process.env, HF_TOKEN: TOKEN, HF_ENDPOINT: server.url }, maxBuffer: 64 << 20 });
    return stdout;
  } catch (e) {
    const err = e as { message: string; stderr?: string };
    throw new Error(`${path.basename(file)} ${args.join(' ')}: ${err.message}\n${err.stderr?.slice(-2000) ?? ''}`);
  }
}
const cli = (args: string[], cwd: string) => run(process.execPath, [CLI_BIN, ...args], cwd);

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'push-card-'));
  server = await startHubServer({
    repos: { 'test-owner/stories260K': { dir: STORIES260K } },
    write: { storeDir: path.join(work, 'store'), tokens: { [TOKEN]: ['me'] } },
  });
});

afterAll(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

it('the card\'s commands, run with llama-quantize, write the pushed files byte for byte', async () => {
  const made = path.join(work, 'made');
  await mkdir(made);
  // Made in their folder with relative paths: llama-quantize records the --imatrix argument.
  // From the start of the sample: imatrix tokenizes all of --text (seconds for the whole file) and uses 2 chunks of 64 tokens.
  const text = path.join(work, 'tinystories_val_sample.txt');
  await writeFile(text, (await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8')).slice(0, 8000));
  await cli(['imatrix', STORIES260K, '--text', text, '--ctx', '64', '--chunks', '2', '-o', 'imatrix.gguf'], made);
  await cli(['quantize', STORIES260K, '--type', 'Q4_K_M', '--imatrix', 'imatrix.gguf', '--backend', 'cpu', '-o', 'stories-Q4_K_M.gguf'], made);
  // A recipe: the Q4_K_M file's types with the attention output tensors raised to Q8_0.
  const q4 = path.join(made, 'stories-Q4_K_M.gguf');
  const source = new NodeFileSource(q4, q4, (await readFile(q4)).length);
  const info = await readGgufInfo(source);
  await source.close();
  const tensors = info.parsed.tensorInfos.map((t) => {
    const type = ggmlTypeById(Number(t.dtype))!;
    return { name: t.name, type: /attn_output/.test(t.name) && type !== 'F16' ? 'Q8_0' : type };
  });
  expect(tensors.some((t) => t.type === 'Q8_0')).toBe(true);
  await writeFile(path.join(made, 'recipe.json'), JSON.stringify({
    format: 'quant-studio-recipe', version: 1, provenance: { model: 'test-owner/stories260K', modelFingerprint: '', imatrix: null, calibration: null, tool: 'test' },
    baseMix: 'Q4_K_M', fileBytes: 0, bitsPerWeight: 5, predictedKld: null, tensors,
  }));
  await cli(['quantize', STORIES260K, '--recipe', 'recipe.json', '--imatrix', 'imatrix.gguf', '--backend', 'cpu', '-o', 'stories-dynamic.gguf'], made);

  await cli(['push', REPO, 'stories-Q4_K_M.gguf', 'stories-dynamic.gguf', '--base-model', 'test-owner/stories260K', '--imatrix', 'imatrix.gguf', '--recipe', 'recipe.json', '--source-type', 'F32'], made);

  // A fresh folder with what the repository offers, then the card's commands as written.
  const repro = path.join(work, 'repro');
  await mkdir(repro);
  const get = async (name: string) => Buffer.from(await (await fetch(`${server.url}/${REPO}/resolve/main/${name}`)).arrayBuffer());
  const readme = (await get('README.md')).toString();
  expect(readme).toContain('| Q4_K_M + imatrix |');
  expect(readme).toContain('| recipe recipe.json (on Q4_K_M) + imatrix |');
  for (const name of ['imatrix.gguf', 'recipe.tensor-types.txt']) await writeFile(path.join(repro, name), await get(name));
  const block = /```sh\n([\s\S]*?)\n```/.exec(readme)![1]!.split('\n');
  expect(block).toHaveLength(3);
  for (const line of block) {
    const words = line.split(' ');
    if (line.startsWith('npx quant-studio ')) await cli(words.slice(2), repro);
    else if (words[0] === 'llama-quantize') await run(llamaToolPath('llama-quantize'), words.slice(1), repro);
    else throw new Error(`unexpected command ${line}`);
  }
  for (const name of ['stories-Q4_K_M.gguf', 'stories-dynamic.gguf']) {
    const pushed = await get(name);
    expect(sha256(pushed), name).toBe(sha256(await readFile(path.join(made, name))));
    expect(sha256(await readFile(path.join(repro, name))), `${name}: llama-quantize's, from the card`).toBe(sha256(pushed));
  }
});

it('a split file: one row for its parts, and the card\'s llama-quantize and llama-gguf-split write the pushed parts byte for byte', async () => {
  const made = path.join(work, 'made-split');
  await mkdir(made);
  await cli(['quantize', STORIES260K, '--type', 'F16', '--split-max-tensors', '20', '--backend', 'cpu', '-o', 'stories-F16.gguf'], made);
  const parts = ['stories-F16-00001-of-00003.gguf', 'stories-F16-00002-of-00003.gguf', 'stories-F16-00003-of-00003.gguf'];
  await cli(['push', 'me/stories-split', ...parts, '--base-model', 'test-owner/stories260K', '--source-type', 'F32'], made);
  const get = async (name: string) => Buffer.from(await (await fetch(`${server.url}/me/stories-split/resolve/main/${name}`)).arrayBuffer());
  const readme = (await get('README.md')).toString();
  expect(readme).toContain('(3 files, loaded from the first)');
  const block = /```sh\n([\s\S]*?)\n```/.exec(readme)![1]!.split('\n');
  expect(block).toEqual([
    'npx quant-studio quantize hf://test-owner/stories260K --type F32 -o stories260K-F32.gguf',
    'llama-quantize stories260K-F32.gguf stories-F16.gguf F16',
    'llama-gguf-split --split --split-max-tensors 20 stories-F16.gguf stories-F16',
  ]);
  const repro = path.join(work, 'repro-split');
  await mkdir(repro);
  for (const line of block) {
    const words = line.split(' ');
    if (words[0] === 'npx') await cli(words.slice(2), repro);
    else await run(llamaToolPath(words[0] as 'llama-quantize' | 'llama-gguf-split'), words.slice(1), repro);
  }
  for (const name of parts) expect(sha256(await readFile(path.join(repro, name))), name).toBe(sha256(await get(name)));
});

it('quantize --push from a quantized split GGUF on the Hub: the card downloads it and llama-quantize --allow-requantize rebuilds the file from it', async () => {
  const made = path.join(work, 'made-gguf');
  await mkdir(made);
  await cli(['quantize', STORIES260K, '--type', 'Q8_0', '--split-max-tensors', '20', '--backend', 'cpu', '-o', 'stories-Q8_0.gguf'], made);
  const parts = ['stories-Q8_0-00001-of-00003.gguf', 'stories-Q8_0-00002-of-00003.gguf', 'stories-Q8_0-00003-of-00003.gguf'];
  await cli(['push', 'me/stories-Q8_0', ...parts, '--no-card'], made);
  // Named by its second part: the card names the first, which llama-quantize is given.
  await cli(['quantize', `hf://me/stories-Q8_0/${parts[1]}`, '--type', 'Q4_K_M', '--allow-requantize', '--backend', 'cpu', '-o', 'stories-Q4_K_M.gguf', '--push', 'me/from-gguf'], made);
  const get = async (repo: string, name: string) => Buffer.from(await (await fetch(`${server.url}/${repo}/resolve/main/${name}`)).arrayBuffer());
  const readme = (await get('me/from-gguf', 'README.md')).toString();
  expect(readme).toContain("writes from the same source GGUF (`stories-Q8_0-00001-of-00003.gguf`) with the same options.");
  expect(readme).toContain('Quantized from the GGUF [stories-Q8_0-00001-of-00003.gguf](https://huggingface.co/me/stories-Q8_0/blob/main/stories-Q8_0-00001-of-00003.gguf) (3 parts');
  const block = /```sh\n([\s\S]*?)\n```/.exec(readme)![1]!.split('\n');
  expect(block).toEqual([
    "hf download me/stories-Q8_0 --include 'stories-Q8_0-*-of-00003.gguf' --local-dir .",
    'llama-quantize --allow-requantize stories-Q8_0-00001-of-00003.gguf stories-Q4_K_M.gguf Q4_K_M',
  ]);
  // The block as written: `hf download` stood in for by the files of the repository its --include matches.
  const repro = path.join(work, 'repro-gguf');
  await mkdir(repro);
  const include = new RegExp(`^${/'(.+)'/.exec(block[0]!)![1]!.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`);
  for await (const f of listFiles({ repo: 'me/stories-Q8_0', hubUrl: server.url, accessToken: TOKEN })) {
    if (include.test(f.path)) await writeFile(path.join(repro, f.path), await get('me/stories-Q8_0', f.path));
  }
  await run(llamaToolPath('llama-quantize'), block[1]!.split(' ').slice(1), repro);
  const pushed = await get('me/from-gguf', 'stories-Q4_K_M.gguf');
  expect(sha256(pushed)).toBe(sha256(await readFile(path.join(made, 'stories-Q4_K_M.gguf'))));
  expect(sha256(await readFile(path.join(repro, 'stories-Q4_K_M.gguf'))), "llama-quantize's, from the card").toBe(sha256(pushed));

  // push alone with a local --source-gguf: its header says the weights are quantized (no --source-requantize needed).
  await cli(['push', 'me/from-local-gguf', 'stories-Q4_K_M.gguf', '--base-model', 'test-owner/stories260K', '--source-gguf', parts[2]!], made);
  const local = (await get('me/from-local-gguf', 'README.md')).toString();
  expect(/```sh\n([\s\S]*?)\n```/.exec(local)![1]!.split('\n')).toEqual([
    '# stories-Q8_0-00001-of-00003.gguf: the local GGUF these files were quantized from (with its other 2 parts)',
    'llama-quantize --allow-requantize stories-Q8_0-00001-of-00003.gguf stories-Q4_K_M.gguf Q4_K_M',
  ]);
});
