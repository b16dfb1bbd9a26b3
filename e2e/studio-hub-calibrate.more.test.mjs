// Calibration and evaluation of a model opened from the Hub (the local Hub stand-in behind the
// CORS proxy): the calibrate and evaluate workers download the weights themselves at the pinned
// commit, the panels show the bytes arriving, the imatrix matches the Node CPU reference and the
// evaluation the CPU evaluateKld; a calibration cut by a reload resumes for the same repo@commit.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startBrowserHub } from './cors-proxy.mjs';
import { collectImatrixOnCpu, defaultSetTokens, evaluateKldOnCpu, readImatrixFile } from './reference-export.mjs';
import { artifactsDir, fixtureDir, launchStudio, saveImatrix, screenshot, studioUrl } from './studio.mjs';

const REPO = 'test-owner/stories260K';
const WEIGHTS = 'model.safetensors';
const CALIBRATION = { contextSize: 64, maxChunks: 4 };
const EVALUATION = { contextSize: 64, maxChunks: 3 };
const hubImatrixFile = path.join(artifactsDir, 'stories260K-hub.imatrix.gguf');

let studio;
let server;
before(async () => {
  studio = await launchStudio();
  server = await startBrowserHub({ repos: { [REPO]: { dir: fixtureDir } } });
});
after(async () => {
  await studio?.close();
  await server?.close();
});

const weightRequests = () => server.hub.requests.filter((r) => r.path.includes(WEIGHTS));

async function openFromHub(page) {
  await page.goto(studioUrl(`?save=download&endpoint=${encodeURIComponent(server.endpoint)}`));
  await page.getByTestId('cache-toggle').uncheck();
  await page.getByTestId('hub-model-id').fill(REPO);
  await page.getByRole('button', { name: 'Load model' }).click();
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('pinned-commit').textContent(), server.hub.commitOf(REPO));
  await page.getByTestId('calibration-ctx').selectOption(String(CALIBRATION.contextSize));
  await page.getByTestId('calibration-chunks').fill(String(CALIBRATION.maxChunks));
}

test('calibrate and evaluate a Hub model: the workers download it, the results match the CPU', async () => {
  const { page, pageErrors } = studio;
  await openFromHub(page);
  assert.equal(await page.getByText('open it as a folder').count(), 0);
  server.hub.requests.length = 0;
  await page.getByRole('button', { name: 'Calibrate' }).click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="calibration-download"]')?.dataset.bytes) > 0, null, { timeout: 120_000 });
  assert.match(await page.getByTestId('calibration-download').textContent(), /^Downloaded [\d.]+ [KM]?i?B of the model/);
  await page.getByTestId('calibration-numbers').filter({ hasText: 'tokens/s' }).waitFor({ timeout: 120_000 });
  await screenshot(page, '60-hub-calibrating');
  await page.getByTestId('calibration-done').waitFor({ timeout: 600_000 });
  assert.ok(weightRequests().length > 0, 'the calibration read no weights from the Hub');
  for (const r of server.hub.requests.filter((q) => q.server === 'hub' && q.path.includes('/resolve/'))) {
    assert.ok(r.path.includes(`/resolve/${server.hub.commitOf(REPO)}/`), `a request not pinned to the commit: ${r.path}`);
  }

  const info = await page.getByTestId('imatrix-info').textContent();
  assert.match(info, /35 entries \(35 of 36 tensors\)/);
  await saveImatrix(page, hubImatrixFile);
  const imatrix = await readImatrixFile(hubImatrixFile);
  const { tokens, bos } = await defaultSetTokens(fixtureDir);
  const reference = await collectImatrixOnCpu(fixtureDir, tokens, { ...CALIBRATION, bos });
  assert.deepEqual([...imatrix.entries.keys()].sort(), [...reference.entries.keys()].sort());
  for (const [name, want] of reference.entries) {
    const got = imatrix.entries.get(name);
    for (let j = 0; j < want.length; j++) {
      const rel = Math.abs(got[j] - want[j]) / Math.max(Math.abs(want[j]), 1e-12);
      assert.ok(rel <= 1e-3, `${name}[${j}]: ${got[j]} vs CPU ${want[j]}`);
    }
  }

  // Export Q4_0 with it, then evaluate the file against the Hub model.
  await page.getByTestId('mix-select').selectOption('Q4_0');
  const download = page.waitForEvent('download', { timeout: 180_000 });
  await page.getByRole('button', { name: 'Export GGUF' }).click();
  const exported = path.join(artifactsDir, 'stories260K-Q4_0-hub-calibrated.gguf');
  await (await download).saveAs(exported);
  await page.getByTestId('export-status').getByText('Saved').waitFor({ timeout: 60_000 });
  await page.getByTestId('eval-ctx').selectOption(String(EVALUATION.contextSize));
  await page.getByTestId('eval-chunks').fill(String(EVALUATION.maxChunks));
  server.hub.requests.length = 0;
  await page.getByRole('button', { name: 'Evaluate' }).click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="evaluation-download"]')?.dataset.bytes) > 0, null, { timeout: 120_000 });
  await screenshot(page, '61-hub-evaluating');
  await page.getByTestId('evaluation-summary').waitFor({ timeout: 600_000 });
  assert.ok(weightRequests().length > 0, 'the evaluation read no weights from the Hub');
  await page.getByTestId('kld-histogram').locator('svg').first().waitFor();
  await screenshot(page, '62-hub-evaluated');
  const value = async (id) => Number(await page.getByTestId(id).getAttribute('data-value'));
  const cpu = await evaluateKldOnCpu(fixtureDir, exported, await page.getByTestId('eval-text').inputValue(), EVALUATION);
  const meanKld = await value('eval-mean-kld');
  assert.ok(meanKld > 0);
  assert.ok(Math.abs(meanKld - cpu.report.kld.mean.value) <= 0.05 * cpu.report.kld.mean.value, `mean KLD ${meanKld} vs CPU ${cpu.report.kld.mean.value}`);
  assert.ok(Math.abs((await value('eval-ppl-base')) - cpu.report.pplBase.value) <= 1e-3 * cpu.report.pplBase.value);
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('a Hub model\'s calibration cut by a reload is offered again for the same repo@commit and resumes', async () => {
  const { page, pageErrors } = studio;
  await openFromHub(page);
  await page.getByRole('button', { name: 'Calibrate' }).click();
  await page.getByTestId('calibration-saved').waitFor({ timeout: 120_000 });
  await page.reload();
  await page.getByTestId('hub-model-id').fill(REPO);
  await page.getByRole('button', { name: 'Load model' }).click();
  const offer = page.getByTestId('resume-offer');
  await offer.waitFor({ timeout: 60_000 });
  assert.match(await offer.textContent(), /after layer [1-4] of 5 \(4 chunks of 64 tokens/);
  await screenshot(page, '63-hub-resume-offered');
  await page.getByRole('button', { name: 'Resume calibration' }).click();
  await page.getByTestId('calibration-done').waitFor({ timeout: 600_000 });
  const resumed = await saveImatrix(page, path.join(artifactsDir, 'stories260K-hub-resumed.imatrix.gguf'));
  assert.ok(resumed.equals(await readFile(hubImatrixFile)), 'the resumed imatrix differs from the uninterrupted Hub run');
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('with the cache on, a calibration after an export reads the weights from OPFS, not the Hub', async () => {
  const { page, pageErrors } = studio;
  await page.goto(studioUrl(`?save=download&endpoint=${encodeURIComponent(server.endpoint)}`));
  await page.getByTestId('cache-toggle').check();
  await page.getByTestId('hub-model-id').fill(REPO);
  await page.getByRole('button', { name: 'Load model' }).click();
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 60_000 });
  // The export worker writes and marks the cached copy.
  await page.getByTestId('mix-select').selectOption('Q8_0');
  const download = page.waitForEvent('download', { timeout: 180_000 });
  await page.getByRole('button', { name: 'Export GGUF' }).click();
  await download;
  await page.getByTestId('export-status').getByText('Saved').waitFor({ timeout: 60_000 });

  await page.getByTestId('calibration-ctx').selectOption(String(CALIBRATION.contextSize));
  await page.getByTestId('calibration-chunks').fill(String(CALIBRATION.maxChunks));
  server.hub.requests.length = 0;
  await page.getByRole('button', { name: 'Calibrate' }).click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="calibration-download"]')?.dataset.cacheBytes) > 0, null, { timeout: 120_000 });
  assert.match(await page.getByTestId('calibration-download').textContent(), /from the cache/);
  await screenshot(page, '64-hub-calibrating-from-cache');
  await page.getByTestId('calibration-done').waitFor({ timeout: 600_000 });
  assert.deepEqual(weightRequests(), [], 'the calibration asked the Hub for weights the cache holds');
  const cached = await saveImatrix(page, path.join(artifactsDir, 'stories260K-hub-cached.imatrix.gguf'));
  assert.ok(cached.equals(await readFile(hubImatrixFile)), 'the imatrix from cached weights differs');
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('a Hub model\'s sensitivity is measured by the dynamic worker from the Hub, and its recipe names the commit', async () => {
  const { page, pageErrors } = studio;
  await openFromHub(page);
  const before = weightRequests().length;
  await page.getByTestId('candidate-set').selectOption('arm');
  await page.getByTestId('measure-mode').selectOption('probe');
  await page.getByRole('button', { name: 'Measure sensitivity' }).click();
  const ready = page.getByTestId('sensitivity-ready');
  await ready.waitFor({ timeout: 600_000 });
  assert.equal(Number(await ready.getAttribute('data-tensors')), 31);
  assert.ok(weightRequests().length > before, 'the weights came from the Hub');
  assert.ok(weightRequests().slice(before).filter((r) => r.server === 'hub').every((r) => r.path.includes(`/resolve/${server.hub.commitOf(REPO)}/`)), 'at the pinned commit');
  await page.getByTestId('budget-slider').fill('7.5');
  const download = page.waitForEvent('download', { timeout: 30_000 });
  await page.getByRole('button', { name: 'Save recipe (JSON)' }).click();
  const file = path.join(artifactsDir, 'stories260K-hub.recipe.json');
  await (await download).saveAs(file);
  const recipe = JSON.parse(await readFile(file, 'utf8'));
  assert.equal(recipe.provenance.model, `hf://${REPO}@${server.hub.commitOf(REPO)}`);
  assert.ok(recipe.bitsPerWeight <= 7.5);
  await screenshot(page, '65-hub-dynamic');
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});
