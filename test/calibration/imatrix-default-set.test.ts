// `quant-studio imatrix --default-set` (and --chat) on stories260K, a model without a chat
// template: a valid imatrix with an entry for every block matmul, recording the set's sha256.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalibrationManifest } from '../../src/core/calibration/default-set.ts';
import { readImatrix } from '../../src/core/imatrix/read-imatrix.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import { NodeFileSource, nodeModelFiles } from '../../src/io/node-files.node.ts';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { REPO_ROOT, STORIES260K } from '../helpers/paths.ts';

let dir: string;
let blockMatmuls: string[];

async function loadImatrix(file: string) {
  const source = new NodeFileSource(path.basename(file), file, (await stat(file)).size);
  try {
    return await readImatrix(source);
  } finally {
    await source.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'calibration-cli-'));
  const files = await nodeModelFiles(STORIES260K);
  try {
    const plan = await planModel(files);
    blockMatmuls = plan.tensors.filter((t) => t.layer !== null && t.quantizable).map((t) => t.ggufName);
  } finally {
    await files.close();
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('quant-studio imatrix with calibration sets', () => {
  it('--default-set writes an imatrix with every block matmul, naming the set by its sha256', async () => {
    const out = path.join(dir, 'default.imatrix.gguf');
    const run = await runCli(['imatrix', STORIES260K, '--default-set', '--ctx', '128', '--chunks', '3', '-o', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('warning: the model has no chat template');
    const manifest = JSON.parse(await readFile(path.join(REPO_ROOT, 'public/calibration/manifest.json'), 'utf8')) as CalibrationManifest;
    const imatrix = await loadImatrix(out);
    expect(imatrix.datasets).toEqual([`calibration/default.jsonl sha256:${manifest.sha256}`]);
    expect(imatrix.chunkCount).toBe(3);
    expect(blockMatmuls).toHaveLength(35);
    expect([...imatrix.entries.keys()].sort()).toEqual([...blockMatmuls].sort());
    for (const [name, values] of imatrix.entries) {
      expect(values.every((v) => Number.isFinite(v) && v >= 0), name).toBe(true);
      expect(values.some((v) => v > 0), name).toBe(true);
    }
  }, 120_000);

  it('--chat with --text records both files and reports JSONL errors by file and line', async () => {
    const textFile = path.join(dir, 'story.txt');
    const chatFile = path.join(dir, 'chat.jsonl');
    await writeFile(textFile, 'Once upon a time there was a little cat who liked the sun. '.repeat(20));
    await writeFile(chatFile, `${JSON.stringify({ messages: [{ role: 'user', content: 'Tell me a story.' }, { role: 'assistant', content: 'A dog ran to the park and played all day. '.repeat(10) }] })}\n`);
    const out = path.join(dir, 'mixed.imatrix.gguf');
    const run = await runCli(['imatrix', STORIES260K, '--text', textFile, '--chat', chatFile, '--ctx', '64', '-o', out]);
    expect(run.code, run.stderr).toBe(0);
    expect((await loadImatrix(out)).datasets).toEqual([textFile, chatFile]);

    await writeFile(chatFile, '{"messages": [{"role": "user", "content": "hi"}]}\n{"messages": [{"role": "robot"}]}\n');
    const bad = await runCli(['imatrix', STORIES260K, '--chat', chatFile, '-o', out]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${chatFile}:2: messages[0]: "role" "robot" is not one of system, user, assistant`);
  }, 120_000);

  it('asks for some calibration input', async () => {
    const run = await runCli(['imatrix', STORIES260K, '-o', path.join(dir, 'none.gguf')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--text <file>, --chat <file.jsonl> or --default-set is required');
  });
});
