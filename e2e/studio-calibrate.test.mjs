// Calibration and evaluation in the studio (WebGPU on SwiftShader): stories260K calibrated on the
// default set, checked column by column against the Node CPU collectImatrix on the same tokens;
// a Q4_0 export with it; its evaluation checked against the Node CPU evaluateKld; and a
// calibration interrupted by a reload that resumes from OPFS and gives the same imatrix.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { collectImatrixOnCpu, defaultSetTokens, evaluateKldOnCpu, readImatrixFile } from './reference-export.mjs';
import { artifactsDir, fixtureDir, gotoLocalFolder, launchStudio, saveDownload, saveImatrix, screenshot } from './studio.mjs';

const CALIBRATION = { contextSize: 64, maxChunks: 4 };
const EVALUATION = { contextSize: 64, maxChunks: 3 };
const GGML_Q4_0 = 2;
const calibratedFile = path.join(artifactsDir, 'stories260K-calibrated.imatrix.gguf');

let studio;
before(async () => {
  studio = await launchStudio();
});
after(async () => {
  await studio?.close();
});

async function openFolder(page) {
  await gotoLocalFolder(page);
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
  await page.getByTestId('folder-input').setInputFiles(fixtureDir);
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 30_000 });
}

async function setCalibration(page, { contextSize, maxChunks }) {
  await page.getByTestId('calibration-ctx').selectOption(String(contextSize));
  await page.getByTestId('calibration-chunks').fill(String(maxChunks));
}

/** Every column of every entry within `tolerance` relative of the reference. */
function assertImatrixClose(actual, expected, tolerance) {
  assert.deepEqual([...actual.entries.keys()].sort(), [...expected.keys()].sort());
  for (const [name, want] of expected) {
    const got = actual.entries.get(name);
    assert.equal(got.length, want.length, `${name}: column count`);
    for (let j = 0; j < want.length; j++) {
      const rel = Math.abs(got[j] - want[j]) / Math.max(Math.abs(want[j]), 1e-12);
      assert.ok(rel <= tolerance, `${name}[${j}]: ${got[j]} vs CPU ${want[j]} (relative ${rel.toExponential(2)})`);
    }
  }
}

test('calibrate stories260K on the default set, export Q4_0 with it, evaluate the file', async () => {
  const { page, pageErrors } = studio;
  await openFolder(page);
  await setCalibration(page, CALIBRATION);
  await page.getByRole('button', { name: 'Calibrate' }).click();
  // Progress with a rate and an ETA while it runs.
  await page.getByTestId('calibration-numbers').filter({ hasText: 'tokens/s' }).waitFor({ timeout: 120_000 });
  assert.match(await page.getByTestId('calibration-numbers').textContent(), /layer \d of 5 · [\d.]+K? of 256 tokens · [\d.]+ tokens\/s · ETA/);
  await screenshot(page, '50-calibrating');
  await page.getByTestId('calibration-done').waitFor({ timeout: 600_000 });
  await screenshot(page, '51-calibrated');

  // The studio's importance matrix is the calibration's: every block matmul, 4 chunks of 64.
  const info = await page.getByTestId('imatrix-info').textContent();
  assert.match(info, /stories260K\.imatrix\.gguf/);
  assert.match(info, /35 entries \(35 of 36 tensors\)/);
  assert.match(info, /calibration\/default\.jsonl sha256:[0-9a-f]{64} · 4 chunks/);
  await saveImatrix(page, calibratedFile);
  const imatrix = await readImatrixFile(calibratedFile);
  const { tokens, bos } = await defaultSetTokens(fixtureDir);
  const reference = await collectImatrixOnCpu(fixtureDir, tokens, { ...CALIBRATION, bos });
  const blockMatmuls = reference.plan.tensors.filter((t) => t.layer !== null && t.ne.length === 2).map((t) => t.ggufName);
  assert.deepEqual([...imatrix.entries.keys()].sort(), blockMatmuls.sort(), 'one entry per block matmul');
  assertImatrixClose(imatrix, reference.entries, 1e-3);
  assert.equal(imatrix.chunkCount, 4);

  // The energy layer: a colour per covered cell, the number on hover.
  await page.getByRole('radio', { name: 'Activation energy' }).click();
  const cell = page.locator('[data-tensor="blk.3.ffn_down.weight"]');
  const energy = Number(await cell.getAttribute('data-energy'));
  const ffnDown = reference.entries.get('blk.3.ffn_down.weight');
  const cpuMean = ffnDown.reduce((a, b) => a + b, 0) / ffnDown.length;
  assert.ok(Math.abs(energy - cpuMean) / cpuMean < 1e-3, `mean energy ${energy} vs CPU ${cpuMean}`);
  assert.equal(await page.locator('[data-tensor="token_embd.weight"]').getAttribute('data-energy'), null);
  await cell.hover();
  assert.match(await page.getByTestId('tooltip-energy').textContent(), /^[\d.e-]+ \(mean x² per column\)$/);
  await page.getByTestId('energy-legend').waitFor();
  await screenshot(page, '52-energy-layer');
  await page.getByRole('radio', { name: 'Type' }).click();

  // Export Q4_0 with it; then evaluate that file.
  await page.getByTestId('mix-select').selectOption('Q4_0');
  const download = page.waitForEvent('download', { timeout: 180_000 });
  await page.getByRole('button', { name: 'Export GGUF' }).click();
  const exported = path.join(artifactsDir, 'stories260K-Q4_0-calibrated.gguf');
  await (await download).saveAs(exported);
  await page.getByTestId('export-status').getByText('Saved').waitFor();
  const { gguf } = await import('@huggingface/gguf');
  const parsed = await gguf(exported, { allowLocalFile: true });
  assert.equal(parsed.metadata['quantize.imatrix.file'], 'stories260K.imatrix.gguf');
  assert.equal(parsed.tensorInfos.find((t) => t.name === 'blk.0.attn_q.weight').dtype, GGML_Q4_0);

  await page.getByTestId('eval-ctx').selectOption(String(EVALUATION.contextSize));
  await page.getByTestId('eval-chunks').fill(String(EVALUATION.maxChunks));
  // A first run is cancelled mid-way; the second one runs to the end.
  await page.getByRole('button', { name: 'Evaluate' }).click();
  await page.getByTestId('evaluation-progress').waitFor({ timeout: 60_000 });
  await page.getByTestId('evaluation-progress').getByRole('button', { name: 'Cancel' }).click();
  await page.getByText('Evaluation cancelled.').waitFor();
  assert.equal(await page.getByTestId('evaluation-summary').count(), 0);
  await page.getByRole('button', { name: 'Evaluate' }).click();
  await page.getByTestId('evaluation-progress').filter({ hasText: 'tokens/s' }).waitFor({ timeout: 60_000 });
  await screenshot(page, '53-evaluating');
  // The tab's title follows the running job (for a user looking at another tab), and is given back after.
  const base = 'quant-studio · safetensors to GGUF in the browser';
  assert.match(await page.title(), new RegExp(`^\\d+% evaluating · ${base}$`));
  await page.getByTestId('evaluation-summary').waitFor({ timeout: 600_000 });
  assert.equal(await page.title(), base);
  await page.getByTestId('kld-histogram').locator('svg').first().waitFor();
  await page.getByTestId('top-agreement').locator('svg').first().waitFor();
  await screenshot(page, '54-evaluated');

  const value = async (id) => Number(await page.getByTestId(id).getAttribute('data-value'));
  const text = await page.getByTestId('eval-text').inputValue();
  const cpu = await evaluateKldOnCpu(fixtureDir, exported, text, EVALUATION);
  const meanKld = await value('eval-mean-kld');
  assert.ok(meanKld > 0, 'Q4_0 differs from the float model');
  assert.ok(Math.abs(meanKld - cpu.report.kld.mean.value) <= 0.05 * cpu.report.kld.mean.value, `mean KLD ${meanKld} vs CPU ${cpu.report.kld.mean.value}`);
  assert.ok(Math.abs((await value('eval-ppl-base')) - cpu.report.pplBase.value) <= 1e-3 * cpu.report.pplBase.value);
  assert.ok(Math.abs((await value('eval-same-top')) - cpu.report.sameTop.value) <= 0.05);
  assert.equal(await value('eval-file-size'), (await readFile(exported)).length, 'the evaluated file is the exported one');
  assert.ok((await value('eval-p99-kld')) >= meanKld);
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('a calibration interrupted by a reload resumes from its last layer and gives the same imatrix', async () => {
  const { page, pageErrors } = studio;
  await openFolder(page);
  await setCalibration(page, CALIBRATION);
  await page.getByRole('button', { name: 'Calibrate' }).click();
  const saved = page.getByTestId('calibration-saved');
  await saved.waitFor({ timeout: 120_000 });
  await page.reload(); // the tab is gone mid-run: the workers die with it
  await page.getByRole('tab', { name: 'Local folder' }).click();
  await page.getByTestId('folder-input').setInputFiles(fixtureDir);
  const offer = page.getByTestId('resume-offer');
  await offer.waitFor({ timeout: 30_000 });
  const offered = await offer.textContent();
  const layer = Number(/after layer (\d) of 5/.exec(offered)?.[1]);
  assert.ok(layer >= 1 && layer < 5, `offered: ${offered}`);
  assert.match(offered, /4 chunks of 64 tokens/);
  await screenshot(page, '55-resume-offered');
  await page.getByRole('button', { name: 'Resume calibration' }).click();
  await page.getByTestId('calibration-done').waitFor({ timeout: 600_000 });
  await screenshot(page, '56-resumed');
  const resumedFile = path.join(artifactsDir, 'stories260K-resumed.imatrix.gguf');
  await saveImatrix(page, resumedFile);
  assert.ok((await readFile(resumedFile)).equals(await readFile(calibratedFile)), 'the resumed imatrix differs from the uninterrupted one');
  // Finished: the checkpoint is gone, nothing is offered after the next open.
  await page.reload();
  await page.getByRole('tab', { name: 'Local folder' }).click();
  await page.getByTestId('folder-input').setInputFiles(fixtureDir);
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor();
  await page.waitForTimeout(500);
  assert.equal(await page.getByTestId('resume-offer').count(), 0);
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('a cancelled calibration stops, keeps no checkpoint and leaves the importance matrix as it was', async () => {
  const { page, pageErrors } = studio;
  await openFolder(page);
  await setCalibration(page, CALIBRATION);
  await page.getByRole('button', { name: 'Calibrate' }).click();
  await page.getByTestId('calibration-numbers').filter({ hasText: 'tokens/s' }).waitFor({ timeout: 120_000 });
  await page.getByTestId('calibration-progress').getByRole('button', { name: 'Cancel' }).click();
  await page.getByText('Calibration cancelled.').waitFor({ timeout: 60_000 });
  await screenshot(page, '57-calibration-cancelled');
  assert.match(await page.getByTestId('imatrix-info').textContent(), /None/);
  assert.equal(await page.getByTestId('resume-offer').count(), 0);
  await page.reload();
  await page.getByRole('tab', { name: 'Local folder' }).click();
  await page.getByTestId('folder-input').setInputFiles(fixtureDir);
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor();
  await page.waitForTimeout(500);
  assert.equal(await page.getByTestId('resume-offer').count(), 0, 'a cancelled run is not offered for resuming');
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

/** Reloads the page and opens the fixture folder again, as a user coming back to the model. */
async function reopen(page) {
  await page.reload();
  await page.getByRole('tab', { name: 'Local folder' }).click();
  await page.getByTestId('folder-input').setInputFiles(fixtureDir);
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 30_000 });
}

test('a finished calibration and measurement are kept: offered when the model is opened again, one click puts them back', async () => {
  const { page, pageErrors } = studio;
  // The calibrations above finished (4 chunks of 64): the newest is kept in OPFS.
  await reopen(page);
  const offer = page.getByTestId('kept-calibration-offer');
  await offer.waitFor({ timeout: 30_000 });
  assert.match(await offer.textContent(), /A calibration of this model from .+ is kept in this browser \(4 chunks of 64 tokens · calibration\/default\.jsonl\)/);
  assert.match(await page.getByTestId('imatrix-info').textContent(), /None/, 'offered, not loaded unasked');
  await screenshot(page, '58-kept-calibration-offered');
  await offer.getByRole('button', { name: 'Use it' }).click();
  await page.getByTestId('calibration-done').waitFor({ timeout: 30_000 });
  assert.match(await page.getByTestId('calibration-done').textContent(), /4 chunks of 64 tokens.*Kept in this browser/);
  assert.equal(await offer.count(), 0, 'the offer goes once it is used');
  assert.match(await page.getByTestId('imatrix-info').textContent(), /calibration\/default\.jsonl sha256:[0-9a-f]{64} · 4 chunks/);
  // The quantizers have it: an export records it, as after the run itself.
  await page.getByTestId('mix-select').selectOption('Q4_0');
  const keptExport = path.join(artifactsDir, 'stories260K-Q4_0-kept.gguf');
  await saveDownload(page, () => page.getByRole('button', { name: 'Export GGUF' }).click(), keptExport, 180_000);
  const { gguf } = await import('@huggingface/gguf');
  const { metadata } = await gguf(keptExport, { allowLocalFile: true });
  assert.equal(metadata['quantize.imatrix.file'], 'stories260K.imatrix.gguf');
  assert.equal(Number(metadata['quantize.imatrix.chunks_count']), 4);
  const keptFile = path.join(artifactsDir, 'stories260K-kept.imatrix.gguf');
  await saveImatrix(page, keptFile);
  assert.ok((await readFile(keptFile)).equals(await readFile(calibratedFile)), 'the kept imatrix differs from the calibrated one');
  const hash = await page.getByTestId('imatrix-info').getAttribute('data-hash');

  // A measurement (the quickest kind) with it, then back again: it is offered too, and using it
  // loads the kept calibration it was measured with.
  await page.getByTestId('measure-mode').selectOption('none');
  await page.getByTestId('sensitivity-chunks').fill('1');
  await page.getByRole('button', { name: 'Measure sensitivity' }).click();
  const ready = page.getByTestId('sensitivity-ready');
  await ready.waitFor({ timeout: 300_000 });
  const tensors = await ready.getAttribute('data-tensors');
  await reopen(page);
  const measurementOffer = page.getByTestId('kept-measurement-offer');
  await measurementOffer.waitFor({ timeout: 30_000 });
  assert.match(await measurementOffer.textContent(), new RegExp(`\\(${tensors} tensors, 1 held-out chunk, with stories260K\\.imatrix\\.gguf: using it also loads the kept calibration\\)`));
  await page.getByTestId('kept-calibration-offer').waitFor();
  assert.equal(await ready.count(), 0);
  await measurementOffer.scrollIntoViewIfNeeded();
  await screenshot(page, '59-kept-measurement-offered');
  await measurementOffer.getByRole('button', { name: 'Use it' }).click();
  await ready.waitFor({ timeout: 30_000 });
  assert.equal(await ready.getAttribute('data-tensors'), tensors);
  assert.equal(await page.getByTestId('sensitivity-inputs').getAttribute('data-imatrix'), hash);
  assert.equal(await page.getByTestId('imatrix-info').getAttribute('data-hash'), hash);
  assert.equal(await page.getByTestId('measure-mode').inputValue(), 'none');
  assert.equal(await page.getByTestId('sensitivity-chunks').inputValue(), '1');
  assert.equal(await page.getByTestId('calibration-chunks').inputValue(), '4');
  await page.getByTestId('budget-slider').waitFor();
  assert.equal(await measurementOffer.count() + await page.getByTestId('kept-calibration-offer').count(), 0);
  await screenshot(page, '60-kept-measurement-used');

  // Discarded, it is not offered again.
  await reopen(page);
  for (const id of ['kept-measurement-offer', 'kept-calibration-offer']) {
    await page.getByTestId(id).getByRole('button', { name: 'Discard' }).click();
    await page.getByTestId(id).waitFor({ state: 'detached' }); // gone once OPFS has forgotten it
  }
  await reopen(page);
  await page.waitForTimeout(500);
  assert.equal(await page.getByTestId('kept-calibration-offer').count(), 0);
  assert.equal(await page.getByTestId('kept-measurement-offer').count(), 0);
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});
