// A GGUF dropped into the studio opens (it used to say "config.json is missing"): the heatmap
// shows the file's tensors in their stored types, a mix applies llama-quantize's rules, and the
// export (the GPU quantizer in the worker) is byte for byte what llama-quantize makes of the file.
// The file is llama.cpp's own conversion of stories260K (small enough for SwiftShader).
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { collectImatrixOnCpu, defaultSetTokens, mixTypes, readImatrixFile } from './reference-export.mjs';
import { artifactsDir, fixtureDir, gotoLocalFolder, launchStudio, saveDownload, saveImatrix, screenshot, studioUrl } from './studio.mjs';

const converterF32 = path.join(fixtureDir, 'reference-f32.gguf');

let studio;
let dir;
let f32;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'studio-gguf-'));
  f32 = path.join(dir, 'stories260K-F32.gguf');
  await copyFile(converterF32, f32);
  studio = await launchStudio();
});
after(async () => {
  await studio?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('stories260K F32 GGUF (llama.cpp\'s converter output): dropped as a file, shown, exported at Q4_K_M byte-identical to llama-quantize', async () => {
  const { page, pageErrors } = studio;
  await gotoLocalFolder(page);
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
  await page.getByTestId('files-input').setInputFiles(f32);
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 30_000 });
  assert.match(await page.getByTestId('source-summary').textContent(), /stories260K-F32/);
  // Every tensor of the file, norms in their stored F32.
  assert.equal(await page.locator('[data-tensor]').count(), 48);
  assert.equal(await page.locator('[data-tensor="blk.0.attn_norm.weight"]').getAttribute('data-type'), 'F32');

  await page.getByTestId('mix-select').selectOption('Q4_K_M');
  const expected = await mixTypes(dir, 'Q4_K_M'); // the folder holds only the F32 file yet
  const shown = new Map(await page.locator('[data-tensor]').evaluateAll((cells) => cells.map((c) => [c.dataset.tensor, c.dataset.type])));
  assert.deepEqual(shown, expected);
  await screenshot(page, 'gguf-01-heatmap-q4km');

  const ours = path.join(artifactsDir, 'stories260K-F32-Q4_K_M.from-gguf.gguf');
  const name = await saveDownload(page, () => page.getByRole('button', { name: 'Export GGUF' }).click(), ours);
  assert.equal(name, 'stories260K-F32-Q4_K_M.gguf');
  await page.getByTestId('export-status').getByText('Saved').waitFor();
  await screenshot(page, 'gguf-02-exported');

  const { runLlamaTool } = await import('../test/helpers/llama-tools.ts');
  const theirs = path.join(dir, 'llama-quantize-Q4_K_M.gguf');
  await runLlamaTool('llama-quantize', [f32, theirs, 'Q4_K_M']);
  assert.ok(Buffer.compare(await readFile(ours), await readFile(theirs)) === 0, 'the studio\'s file equals llama-quantize\'s');
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('a GGUF already quantized (Q8_0) opens in its stored types, and quantizing it again is said', async () => {
  const { page, pageErrors } = studio;
  const q8 = path.join(dir, 'stories260K-Q8_0.gguf');
  const { runLlamaTool } = await import('../test/helpers/llama-tools.ts');
  await runLlamaTool('llama-quantize', [f32, q8, 'Q8_0']);
  await gotoLocalFolder(page);
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
  await page.getByTestId('files-input').setInputFiles(q8);
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 30_000 });
  // Opened at the mix it was made with: every tensor keeps its stored type, nothing is requantized.
  assert.equal(await page.getByTestId('mix-select').inputValue(), 'Q8_0');
  assert.equal(await page.locator('[data-tensor="blk.0.attn_q.weight"]').getAttribute('data-type'), 'Q8_0');
  assert.equal(await page.getByTestId('requantize-notice').count(), 0, 'no notice while every tensor keeps its type');
  await page.getByTestId('mix-select').selectOption('Q4_K_M');
  const notice = await page.getByTestId('requantize-notice').textContent();
  assert.match(notice, /This GGUF is already quantized: \d+ tensors \(such as [\w.]+, Q8_0 → \w+\) will be quantized a second time/);
  await screenshot(page, 'gguf-03-requantize-notice');
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('calibration from a dropped GGUF: its own tokenizer and weights, the importance matrix of the CPU reference', async () => {
  const { page, pageErrors } = studio;
  // A folder holding only the F32 GGUF: the Node reference plans and tokenizes from it as the page does.
  const only = path.join(dir, 'only-gguf');
  await mkdir(only);
  await copyFile(f32, path.join(only, 'stories260K-F32.gguf'));
  await gotoLocalFolder(page);
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
  await page.getByTestId('files-input').setInputFiles(path.join(only, 'stories260K-F32.gguf'));
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 30_000 });
  await page.getByTestId('calibration-ctx').selectOption('64');
  await page.getByTestId('calibration-chunks').fill('4');
  await page.getByRole('button', { name: 'Calibrate' }).click();
  await page.getByTestId('calibration-done').waitFor({ timeout: 600_000 });
  await screenshot(page, 'gguf-04-calibrated');
  const saved = path.join(dir, 'from-gguf.imatrix.gguf');
  await saveImatrix(page, saved, 'stories260K-F32.imatrix.gguf');
  const imatrix = await readImatrixFile(saved);
  const { tokens, bos } = await defaultSetTokens(only);
  const reference = await collectImatrixOnCpu(only, tokens, { contextSize: 64, maxChunks: 4, bos });
  assert.deepEqual([...imatrix.entries.keys()].sort(), [...reference.entries.keys()].sort());
  assert.equal(imatrix.chunkCount, 4);
  for (const [name, want] of reference.entries) {
    const got = imatrix.entries.get(name);
    for (let j = 0; j < want.length; j++) {
      const rel = Math.abs(got[j] - want[j]) / Math.max(Math.abs(want[j]), 1e-12);
      assert.ok(rel <= 1e-3, `${name}[${j}]: ${got[j]} vs CPU ${want[j]}`);
    }
  }
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('a Hub repo of several GGUFs: the page lists them, one click opens one (only its bytes are read), exported as llama-quantize would', async () => {
  const { page, pageErrors } = studio;
  const repoDir = path.join(dir, 'repo-of-quants');
  await mkdir(repoDir);
  await copyFile(f32, path.join(repoDir, 'stories260K-F32.gguf'));
  await copyFile(path.join(dir, 'stories260K-Q8_0.gguf'), path.join(repoDir, 'stories260K-Q8_0.gguf'));
  const { startBrowserHub } = await import('./cors-proxy.mjs');
  const hub = await startBrowserHub({ repos: { 'test-owner/stories260K-GGUF': { dir: repoDir } } });
  try {
    await page.goto(studioUrl(`?save=download&endpoint=${encodeURIComponent(hub.endpoint)}`));
    await page.getByTestId('hub-model-id').fill('test-owner/stories260K-GGUF');
    await page.getByRole('button', { name: 'Load model' }).click();
    const choices = page.getByTestId('gguf-choices');
    await choices.waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId('alert-source').textContent(), /holds 2 GGUF models \(stories260K-F32\.gguf, stories260K-Q8_0\.gguf\)/);
    await screenshot(page, 'gguf-05-hub-choices');
    await choices.getByRole('button', { name: 'Open stories260K-F32.gguf' }).click();
    await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId('source-summary').textContent(), /test-owner\/stories260K-GGUF\/stories260K-F32\.gguf/);
    await page.getByTestId('mix-select').selectOption('Q4_K_M');
    const ours = path.join(dir, 'hub-gguf-Q4_K_M.gguf');
    await saveDownload(page, () => page.getByRole('button', { name: 'Export GGUF' }).click(), ours);
    await page.getByTestId('export-status').getByText('Saved').waitFor({ timeout: 60_000 });
    const theirs = path.join(dir, 'hub-llama-quantize-Q4_K_M.gguf');
    const { runLlamaTool } = await import('../test/helpers/llama-tools.ts');
    await runLlamaTool('llama-quantize', [f32, theirs, 'Q4_K_M']);
    assert.ok((await readFile(ours)).equals(await readFile(theirs)), 'the studio\'s file equals llama-quantize\'s');
    const read = hub.hub.requests.filter((r) => r.path.includes('/resolve/')).map((r) => decodeURIComponent(r.path.split('/').pop()));
    assert.ok(!read.includes('stories260K-Q8_0.gguf'), `the other GGUF was not read (${[...new Set(read)].join(', ')})`);
  } finally {
    await hub.close();
  }
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});
