// A calibration whose GPU device is lost mid-run (as after a driver reset): the page says so,
// offers to resume from the last stored layer, and the resumed run gives the same imatrix bytes
// as an uninterrupted one. The loss comes from a test hook that only ?test-hooks enables.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { artifactsDir, fixtureDir, gotoLocalFolder, launchStudio, screenshot } from './studio.mjs';

const CALIBRATION = { contextSize: 64, maxChunks: 4 };

let studio;
before(async () => {
  studio = await launchStudio();
});
after(async () => {
  await studio?.close();
});

async function calibrateAndSave(page, file, { resume = false } = {}) {
  await page.getByRole('button', { name: resume ? 'Resume calibration' : 'Calibrate' }).click();
  await page.getByTestId('calibration-done').waitFor({ timeout: 600_000 });
  const download = page.waitForEvent('download', { timeout: 30_000 });
  await page.getByRole('button', { name: 'Save imatrix' }).click();
  await (await download).saveAs(file);
  return readFile(file);
}

test('without ?test-hooks the page has no way to lose the device', async () => {
  const { page } = studio;
  await gotoLocalFolder(page, '?save=download');
  assert.equal(await page.evaluate(() => typeof globalThis.quantStudioTestHooks), 'undefined');
});

test('a lost GPU device mid-calibration: the page says so, resumes from the last layer, same imatrix', async () => {
  const { page, pageErrors } = studio;
  await gotoLocalFolder(page, '?save=download&test-hooks');
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
  await page.getByTestId('folder-input').setInputFiles(fixtureDir);
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 30_000 });
  await page.getByTestId('calibration-ctx').selectOption(String(CALIBRATION.contextSize));
  await page.getByTestId('calibration-chunks').fill(String(CALIBRATION.maxChunks));
  const uninterrupted = await calibrateAndSave(page, path.join(artifactsDir, 'device-lost-uninterrupted.imatrix.gguf'));

  // The device goes right after the second layer's checkpoint was stored.
  await page.evaluate(() => globalThis.quantStudioTestHooks.loseCalibrationDevice(2));
  await page.getByRole('button', { name: 'Calibrate' }).click();
  const error = page.getByTestId('calibration-error');
  await error.waitFor({ timeout: 600_000 });
  assert.match(await error.textContent(), /GPU device was lost.*resume from its last checkpoint/);
  assert.match(await error.textContent(), /^Calibration interrupted/);
  const offer = page.getByTestId('resume-offer');
  await offer.waitFor({ timeout: 30_000 });
  const offered = await offer.textContent();
  assert.equal(Number(/after layer (\d) of 5/.exec(offered)?.[1]), 2, `offered: ${offered}`);
  assert.match(offered, /4 chunks of 64 tokens/);
  await screenshot(page, '58-device-lost');

  const resumed = await calibrateAndSave(page, path.join(artifactsDir, 'device-lost-resumed.imatrix.gguf'), { resume: true });
  await screenshot(page, '59-device-lost-resumed');
  assert.ok(resumed.equals(uninterrupted), 'the imatrix resumed after a lost device differs from the uninterrupted one');
  assert.equal(await page.getByTestId('calibration-error').count(), 0);
  assert.equal(await page.getByTestId('resume-offer').count(), 0, 'the finished run left a checkpoint to resume');
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});
