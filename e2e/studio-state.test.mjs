// The studio's state is true (Chromium, WebGPU on SwiftShader): a sensitivity measurement cannot
// start during a calibration and ends labelled with the imatrix it was measured with, by content
// (a different imatrix of the same file name is another input, in the cache too); opening another
// model during a measurement cancels it, its results (and an imatrix calibrated on it) never reach
// the new model, and the next measurement runs to the end; a type that needs an importance matrix is refused up front in the
// heatmap and in the export, naming the tensor.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readImatrixFile, writeLegacyImatrix } from './reference-export.mjs';
import { artifactsDir, fixtureDir, gotoLocalFolder, launchStudio, saveImatrix, screenshot } from './studio.mjs';

const tinyDir = path.resolve(fixtureDir, '../tiny-llama-10m');
const stateDir = path.join(artifactsDir, 'state');

let studio;
before(async () => {
  await mkdir(path.join(stateDir, 'other'), { recursive: true });
  studio = await launchStudio();
});
after(async () => {
  await studio?.close();
});

/** "Open another model", then a dropped folder: the switch these tests make while work runs. */
async function openAnotherFolder(page, dir) {
  await page.getByRole('button', { name: 'Open another model' }).click();
  await page.getByRole('tab', { name: 'Local folder' }).click();
  await openFolder(page, dir);
}

/** A short calibration of the open model: 4 chunks of 64 tokens. */
async function startQuickCalibration(page) {
  await page.getByTestId('calibration-ctx').selectOption('64');
  await page.getByTestId('calibration-chunks').fill('4');
  await page.getByRole('button', { name: 'Calibrate' }).click();
}

async function openFolder(page, dir, cell = 'blk.0.attn_q.weight') {
  await page.getByTestId('folder-input').setInputFiles(dir);
  await page.locator(`[data-tensor="${cell}"]`).waitFor({ timeout: 60_000 });
}

/** Fast measurements: Apple/ARM types (stories260K's 64-wide rows), one held-out chunk. */
async function quickMeasurementSettings(page, measure) {
  await page.getByTestId('candidate-set').selectOption('arm');
  await page.getByTestId('sensitivity-chunks').fill('1');
  await page.getByTestId('measure-mode').selectOption(measure);
}

const imatrixHash = (page) => page.getByTestId('imatrix-info').getAttribute('data-hash');
const measuredWith = (page) => page.getByTestId('sensitivity-inputs').getAttribute('data-imatrix');

/** `locator` stays absent for `ms` (a late result would make it appear). */
async function staysAbsent(page, locator, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    assert.equal(await locator.count(), 0, `${locator} appeared`);
    await page.waitForTimeout(250);
  }
}

test('no measurement during a calibration; a measurement is labelled with its imatrix by content, also in the cache', async () => {
  const { page, pageErrors } = studio;
  await gotoLocalFolder(page);
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
  await openFolder(page, fixtureDir);
  await page.getByTestId('calibration-ctx').selectOption('64');
  await page.getByTestId('calibration-chunks').fill('4');
  await quickMeasurementSettings(page, 'probe');

  // During the calibration: the measurement would use an imatrix about to be replaced.
  await page.getByRole('button', { name: 'Calibrate' }).click();
  await page.getByTestId('calibration-numbers').waitFor({ timeout: 120_000 });
  const measure = page.getByRole('button', { name: 'Measure sensitivity' });
  assert.ok(await measure.isDisabled(), 'Measure sensitivity is disabled during a calibration');
  assert.match(await page.getByTestId('measure-blocked').textContent(), /A calibration is running: its importance matrix will replace the one a measurement would use/);
  await page.getByTestId('measure-blocked').scrollIntoViewIfNeeded();
  await screenshot(page, '80-state-measure-blocked-by-calibration');
  await page.getByTestId('calibration-done').waitFor({ timeout: 600_000 });
  const calibrated = await imatrixHash(page);
  assert.match(calibrated, /^[0-9a-f]{64}$/);

  // Measured after it: labelled with the calibrated imatrix; meanwhile Calibrate waits.
  assert.ok(!(await measure.isDisabled()));
  await measure.click();
  await page.waitForFunction(() => {
    const calibrate = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Calibrate');
    return document.querySelector('[data-testid="sensitivity-progress"]') && calibrate?.disabled
      && document.querySelector('[data-testid="calibrate-blocked"]');
  }, null, { timeout: 60_000, polling: 50 });
  await page.getByTestId('sensitivity-ready').waitFor({ timeout: 600_000 });
  assert.equal(await measuredWith(page), calibrated);
  assert.match(await page.getByTestId('sensitivity-inputs').textContent(), /with importance matrix stories260K\.imatrix\.gguf \(sha256 [0-9a-f]{12}…\)/);
  await page.getByRole('radio', { name: 'Sensitivity' }).click();
  assert.ok((await page.locator('[data-layer-value]').count()) > 0, 'the heatmap shows the measured sensitivity');
  await screenshot(page, '81-state-measured-with-calibrated-imatrix');

  // Another imatrix under the same file name: the figures on screen are not its, nor the cache's.
  const original = path.join(stateDir, 'stories260K.imatrix.gguf');
  await saveImatrix(page, original);
  const { entries } = await readImatrixFile(original);
  const sameName = path.join(stateDir, 'other', 'stories260K.imatrix.gguf');
  await writeLegacyImatrix(sameName, [...entries].map(([name, values]) => ({ name, values: values.map((v, j) => v * (1 + (j % 7))) })), { chunks: 4, dataset: 'other.txt' });
  await page.getByTestId('imatrix-input').setInputFiles(sameName);
  await page.waitForFunction((h) => {
    const hash = document.querySelector('[data-testid="imatrix-info"]')?.getAttribute('data-hash');
    return hash && hash !== h;
  }, calibrated);
  const other = await imatrixHash(page);
  const stale = page.getByTestId('sensitivity-stale');
  await stale.waitFor();
  assert.match(await stale.textContent(), /They were made with importance matrix stories260K\.imatrix\.gguf \(sha256 [0-9a-f]{12}…\), not the one loaded now/);
  assert.equal(await page.getByTestId('sensitivity-ready').count(), 0, 'no slider, figures or chart from the other imatrix');
  assert.equal(await page.locator('[data-layer-value]').count(), 0, 'no cell coloured by the other imatrix\'s figures');
  assert.ok(await page.getByRole('radio', { name: 'Sensitivity' }).isDisabled(), 'no sensitivity layer on the heatmap');
  await stale.scrollIntoViewIfNeeded();
  await screenshot(page, '82-state-stale-same-name-other-imatrix');
  await page.getByRole('button', { name: 'Measure sensitivity' }).click();
  await page.getByTestId('sensitivity-ready').waitFor({ timeout: 600_000 });
  assert.equal(await measuredWith(page), other, 'measured (not taken from the cache) with the new content');

  // The first file again: its stored measurement answers (same content), labelled as such.
  await page.getByTestId('imatrix-input').setInputFiles(original);
  await page.waitForFunction((h) => document.querySelector('[data-testid="imatrix-info"]')?.getAttribute('data-hash') === h, calibrated);
  await stale.waitFor();
  await page.getByRole('button', { name: 'Measure sensitivity' }).click();
  await page.getByTestId('sensitivity-ready').waitFor({ timeout: 600_000 });
  assert.equal(await measuredWith(page), calibrated);

  // No imatrix at all: the measurement does not pass for one without.
  await page.getByRole('button', { name: 'Remove' }).click();
  await stale.waitFor();
  assert.match(await stale.textContent(), /which is no longer loaded/);
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('opening another model during a measurement: its results never reach the new model, and the next measurement completes', async () => {
  const { page, pageErrors } = studio;
  // Two workers: both shards must stop, or the next measurement finds one still busy.
  await gotoLocalFolder(page, '?save=download&workers=2');
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
  // An importance matrix calibrated on stories260K is that model's: it does not follow to another.
  await openFolder(page, fixtureDir);
  await startQuickCalibration(page);
  await page.getByTestId('calibration-done').waitFor({ timeout: 600_000 });
  await openAnotherFolder(page, tinyDir);
  await page.getByTestId('imatrix-info').getByText('None', { exact: true }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Save imatrix' }).count(), 0);

  await page.getByTestId('candidate-set').selectOption('default');
  await page.getByTestId('sensitivity-chunks').fill('1');
  await page.getByTestId('measure-mode').selectOption('all');
  await page.getByRole('button', { name: 'Measure sensitivity' }).click();
  await page.getByTestId('sensitivity-progress').filter({ hasText: '2 workers' }).waitFor({ timeout: 120_000 });
  await screenshot(page, '83-state-measuring-tiny-llama');

  // stories260K replaces it mid-measurement.
  await openAnotherFolder(page, fixtureDir);
  assert.equal(await page.locator('[data-tensor="blk.4.attn_q.weight"]').count(), 1, 'stories260K (5 layers) is open');
  assert.equal(await page.getByTestId('sensitivity-progress').count(), 0, 'the old measurement is not shown as running');
  await page.getByRole('button', { name: 'Measure sensitivity' }).waitFor();
  // The old measurement, had it gone on, would land here: nothing does.
  await staysAbsent(page, page.getByTestId('sensitivity-ready').or(page.getByTestId('dynamic-error')), 3000);

  await quickMeasurementSettings(page, 'probe');
  await page.getByRole('button', { name: 'Measure sensitivity' }).click();
  const ready = page.getByTestId('sensitivity-ready');
  const error = page.getByTestId('dynamic-error');
  await ready.or(error).waitFor({ timeout: 600_000 });
  assert.equal(await error.count(), 0, `the measurement failed: ${await error.count() ? await error.textContent() : ''}`);
  // stories260K's table: 1 embedding + 5 layers × 6 matrices that fit 32-blocks, 64 scored positions.
  assert.equal(await ready.getAttribute('data-tensors'), '31');
  assert.equal(await ready.getAttribute('data-positions'), '64');
  // A folder is named by its files (model-identity.ts), as its calibration checkpoints are.
  assert.match(await page.getByTestId('sensitivity-inputs').getAttribute('data-model'), /^[0-9a-f]{64}$/);
  await screenshot(page, '84-state-measured-after-switch');
  await staysAbsent(page, page.getByTestId('dynamic-error'), 2000);
  assert.equal(await ready.getAttribute('data-tensors'), '31', 'still the new model\'s table');
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('opening another model during a calibration: nothing of it (imatrix, outcome) lands on the new model', async () => {
  const { page, pageErrors } = studio;
  await gotoLocalFolder(page);
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
  await openFolder(page, fixtureDir);
  await startQuickCalibration(page);
  await page.getByTestId('calibration-numbers').waitFor({ timeout: 120_000 });
  await openAnotherFolder(page, tinyDir);
  // The old calibration settles (cancelled, or finishing) after the switch: the new model's panel
  // neither says so nor gets its importance matrix.
  const leftovers = page.getByText('Calibration cancelled.').or(page.getByTestId('calibration-done'))
    .or(page.getByTestId('calibration-error')).or(page.getByTestId('imatrix-info').getByText('stories260K.imatrix.gguf'));
  await staysAbsent(page, leftovers, 8000);
  assert.ok(!(await page.getByRole('button', { name: 'Calibrate' }).isDisabled()), 'the new model can be calibrated');
  await page.getByTestId('imatrix-info').getByText('None', { exact: true }).waitFor();
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('an IQ cell without an importance matrix is refused naming the tensor; the export refuses before starting', async () => {
  const { page, pageErrors } = studio;
  const cell = 'blk.0.attn_v.weight';
  await gotoLocalFolder(page);
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
  await openFolder(page, tinyDir);
  await page.getByTestId('mix-select').selectOption('Q8_0');

  // No imatrix: the i-quants that need one are offered disabled, with the reason.
  await page.locator(`[data-tensor="${cell}"]`).click();
  const iq2 = page.getByRole('menuitemradio', { name: /^IQ2_XXS/ });
  assert.ok(await iq2.isDisabled(), 'IQ2_XXS is refused');
  assert.equal(await iq2.getAttribute('title'), `${cell}: IQ2_XXS needs an importance matrix — load or compute one`);
  assert.ok(!(await page.getByRole('menuitemradio', { name: /^IQ4_XS/ }).isDisabled()), 'IQ4_XS needs none');
  const note = page.getByTestId('type-menu-refused');
  assert.match(await note.textContent(), /IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ1_S, IQ1_M need an importance matrix — load or compute one to choose them/);
  await screenshot(page, '85-state-iq-refused-without-imatrix');
  await page.keyboard.press('Escape');
  assert.equal(await page.locator(`[data-tensor="${cell}"]`).getAttribute('data-type'), 'Q8_0');

  // With weights for that tensor it can be chosen; token_embd has none in this matrix.
  const imatrixFile = path.join(stateDir, 'tiny-attn-v.imatrix.dat');
  await writeLegacyImatrix(imatrixFile, [{ name: cell, values: new Float32Array(256).fill(1) }], { chunks: 1, dataset: 'ones.txt' });
  await page.getByTestId('imatrix-input').setInputFiles(imatrixFile);
  await page.getByTestId('imatrix-info').getByText('tiny-attn-v.imatrix.dat', { exact: true }).waitFor();
  await page.locator('[data-tensor="token_embd.weight"]').click();
  assert.ok(await page.getByRole('menuitemradio', { name: /^IQ2_XXS/ }).isDisabled());
  assert.match(await note.textContent(), /need an importance matrix with an entry for token_embd\.weight; the loaded one has none/);
  await page.keyboard.press('Escape');
  await page.locator(`[data-tensor="${cell}"]`).click();
  await iq2.click();
  assert.equal(await page.locator(`[data-tensor="${cell}"]`).getAttribute('data-type'), 'IQ2_XXS');

  // The imatrix goes: the export is refused at once, naming the tensor; nothing is downloaded.
  await page.getByRole('button', { name: 'Remove' }).click();
  let downloads = 0;
  page.on('download', () => downloads++);
  await page.getByRole('button', { name: 'Export GGUF' }).click();
  const alert = page.getByTestId('alert-export');
  await alert.waitFor({ timeout: 5000 });
  assert.match(await alert.textContent(), /This recipe cannot be exported yet; nothing was started/);
  assert.match(await alert.textContent(), new RegExp(`${cell.replaceAll('.', '\\.')}: IQ2_XXS needs an importance matrix — load or compute one\\.`));
  assert.equal(await page.getByTestId('export-status').count(), 0, 'no export ran');
  await screenshot(page, '86-state-export-refused-iq-without-imatrix');
  await page.waitForTimeout(500);
  assert.equal(downloads, 0);
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});
