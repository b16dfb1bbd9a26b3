// Models straight from the Hub in real Chromium, against the local Hub stand-in (behind a CORS
// proxy, as the page is on another origin): load by model id, see the pinned commit, export Q8_0
// and get the same bytes as the local-folder export; survive a cut connection and a 429; refuse a
// gated repo without downloading; read a second run from the OPFS cache without touching the
// network for the weights; clear the cache; cancel a download.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startBrowserHub } from './cors-proxy.mjs';
import { artifactsDir, fixtureDir, gotoLocalFolder, launchStudio, repoRoot, screenshot, studioUrl } from './studio.mjs';

const REPO = 'test-owner/stories260K';
const GATED = 'gated-owner/stories260K';
const TOKEN = 'hf_accepted_token';
const WEIGHTS = 'model.safetensors';

let studio;
let server;
/** The local-folder export of stories260K at Q8_0, made in the same browser. */
let folderExport;

before(async () => {
  studio = await launchStudio();
  server = await startBrowserHub({
    repos: { [REPO]: { dir: fixtureDir }, [GATED]: { dir: fixtureDir, gated: true, tokens: [TOKEN] } },
  });
});
after(async () => {
  await studio?.close();
  await server?.close();
});

const hubUrl = () => studioUrl(`?save=download&endpoint=${encodeURIComponent(server.endpoint)}`);

/** Requests that reached the Hub or its CDN for the weights file (redirects and bytes). */
const weightRequests = () => server.hub.requests.filter((r) => r.path.includes(WEIGHTS) || r.path.includes(encodeURIComponent(WEIGHTS)));

async function loadFromHub(page, modelId, { token = '' } = {}) {
  await page.getByTestId('hub-model-id').fill(modelId);
  if (token) await page.getByTestId('hub-token').fill(token);
  await page.getByRole('button', { name: 'Load model' }).click();
}

async function exportQ8(page, name) {
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 60_000 });
  await page.getByTestId('mix-select').selectOption('Q8_0');
  const downloadPromise = page.waitForEvent('download', { timeout: 180_000 });
  await page.getByRole('button', { name: 'Export GGUF' }).click();
  const download = await downloadPromise;
  assert.equal(download.suggestedFilename(), 'stories260K-Q8_0.gguf');
  const file = path.join(artifactsDir, `${name}.gguf`);
  await download.saveAs(file);
  await page.getByTestId('export-status').getByText('Saved').waitFor({ timeout: 60_000 });
  return readFile(file);
}

test('the local-folder export to compare with', async () => {
  const { page } = studio;
  await gotoLocalFolder(page, '?save=download');
  await page.getByTestId('folder-input').setInputFiles(fixtureDir);
  folderExport = await exportQ8(page, 'stories260K-Q8_0.folder');
  const { exportMixOnCpu } = await import('./reference-export.mjs');
  const reference = path.join(artifactsDir, 'stories260K-Q8_0.node-cpu.gguf');
  await exportMixOnCpu(fixtureDir, reference, 'Q8_0');
  assert.ok(folderExport.equals(await readFile(reference)), 'the folder export differs from the Node CPU export');
});

test('load by the model page\'s address pasted whole: the pinned commit shows, and the Q8_0 export equals the local-folder one', async () => {
  const { page, pageErrors } = studio;
  server.hub.requests.length = 0;
  await page.goto(hubUrl());
  assert.equal(await page.getByTestId('hub-model-id').inputValue(), 'HuggingFaceTB/SmolLM2-135M-Instruct');
  assert.equal(await page.getByTestId('hub-endpoint').inputValue(), server.endpoint);
  // As copied from the browser's address bar (the endpoint field says where it is fetched from).
  await page.getByTestId('hub-model-id').fill(`https://huggingface.co/${REPO}/tree/main`);
  await screenshot(page, '40-hub-form');
  await page.getByRole('button', { name: 'Load model' }).click();
  const pinned = page.getByTestId('pinned-commit');
  await pinned.waitFor({ timeout: 60_000 });
  assert.equal(await pinned.textContent(), server.hub.commitOf(REPO));
  assert.match(await page.getByTestId('source-summary').textContent(), /pinned to main at commit/);
  // The open reads headers only, and says so (not a download stalled at a few percent).
  assert.match(await page.getByTestId('download-headers').textContent(), /Read the headers .* fetched when an export/);
  await screenshot(page, '41-hub-loaded');

  const bytes = await exportQ8(page, 'stories260K-Q8_0.hub');
  assert.ok(bytes.equals(folderExport), 'the Hub export differs from the local-folder export');
  const overall = page.getByTestId('download-overall');
  const weightsSize = (await readFile(path.join(fixtureDir, WEIGHTS))).length;
  const counted = async () => [Number(await overall.getAttribute('data-bytes')), Number(await overall.getAttribute('data-total-bytes'))];
  // The export fetched the weights' data (the open had read their header) and shows it complete.
  const [firstBytes, total] = await counted();
  assert.ok(firstBytes > 0.8 * weightsSize && firstBytes <= weightsSize && firstBytes === total, `first export: ${firstBytes} of ${total}`);
  assert.match(await overall.textContent(), /Downloaded .* of .*\/s · done/);
  // A second export counts its own bytes from zero: the same, never more than the model has.
  assert.ok((await exportQ8(page, 'stories260K-Q8_0.hub-again')).equals(folderExport));
  assert.deepEqual(await counted(), [firstBytes, total]);
  assert.equal(await page.locator(`.download-files li[data-file="${WEIGHTS}"]`).count(), 1);
  await screenshot(page, '42-hub-exported');
  // Every request was pinned to the commit, and no Authorization went anywhere (no token given).
  const resolves = server.hub.requests.filter((r) => r.path.includes('/resolve/'));
  assert.ok(resolves.length > 0 && resolves.every((r) => r.path.includes(`/resolve/${server.hub.commitOf(REPO)}/`)));
  assert.ok(server.hub.requests.every((r) => r.authorization === null));
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('through a cut connection and a 429 with Retry-After the file is the same', async () => {
  const { page } = studio;
  server.hub.requests.length = 0;
  server.hub.faults.splice(0, server.hub.faults.length,
    { kind: 'status', file: WEIGHTS, status: 429, retryAfter: '1' },
    { kind: 'cut', file: WEIGHTS, afterBytes: 3000 });
  await page.goto(hubUrl());
  await loadFromHub(page, REPO);
  const bytes = await exportQ8(page, 'stories260K-Q8_0.hub-faults');
  assert.ok(server.hub.faults.every((f) => f.times === 0), 'every fault was hit');
  assert.ok(bytes.equals(folderExport), 'the Hub export through faults differs from the local-folder export');
  const cdn = weightRequests().filter((r) => r.server === 'cdn');
  assert.ok(cdn.some((r) => r.status === 429), 'the 429 reached the client');
  // The cut read was resumed from where it stopped, not restarted. The server destroys the socket
  // after writing 3000 bytes; bytes still in flight then may be lost, so the client resumes from
  // what it actually received: after the start, at most 3000 bytes in.
  const ranges = cdn.map((r) => /^bytes=(\d+)-(\d+)$/.exec(r.range ?? '')).filter(Boolean).map((m) => [Number(m[1]), Number(m[2])]);
  assert.ok(
    ranges.some(([a, b], i) => b - a + 1 > 3000 && ranges.some(([c, d], j) => j > i && c >= a && c <= a + 3000 && d === b)),
    JSON.stringify(ranges),
  );
  await screenshot(page, '43-hub-faults-survived');
});

test('a gated repo: without a token the message says what to do and nothing is downloaded', async () => {
  const { page } = studio;
  server.hub.requests.length = 0;
  await page.goto(hubUrl());
  let downloads = 0;
  page.on('download', () => downloads++);
  await loadFromHub(page, GATED);
  const alert = page.getByTestId('alert-source');
  await alert.waitFor({ timeout: 30_000 });
  const text = await alert.textContent();
  assert.match(text, /HTTP 401/);
  assert.match(text, /accept the licence at .*gated-owner\/stories260K/);
  // The licence page is a link, not text to copy.
  assert.match(await alert.getByRole('link').first().getAttribute('href'), /gated-owner\/stories260K$/);
  assert.match(text, /token/);
  assert.equal(weightRequests().length, 0, 'no request for the weights');
  assert.equal(server.hub.requests.filter((r) => r.server === 'cdn' || r.path.includes('/resolve/')).length, 0, 'no file was fetched');
  assert.equal(await page.locator('[data-tensor]').count(), 0);
  assert.equal(downloads, 0);
  await screenshot(page, '44-hub-gated');

  // A token that has not accepted the licence: 403, with its own advice.
  await loadFromHub(page, GATED, { token: 'hf_not_accepted' });
  await page.getByTestId('alert-source').getByText(/HTTP 403/).waitFor({ timeout: 30_000 });

  // Remember on this device stores the token; unticking deletes it.
  await page.getByTestId('remember-token').check();
  assert.equal(await page.evaluate(() => localStorage.getItem('quant-studio.hf-token')), 'hf_not_accepted');
  await page.getByTestId('remember-token').uncheck();
  assert.equal(await page.evaluate(() => localStorage.getItem('quant-studio.hf-token')), null);

  // The accepted token opens it; the token went to the Hub only, never to the CDN.
  server.hub.requests.length = 0;
  await page.getByTestId('hub-token').fill(TOKEN);
  await page.getByRole('button', { name: 'Load model' }).click();
  await page.getByTestId('pinned-commit').waitFor({ timeout: 60_000 });
  const hubAuth = server.hub.requests.filter((r) => r.server === 'hub').map((r) => r.authorization);
  assert.ok(hubAuth.length > 0 && hubAuth.every((a) => a === `Bearer ${TOKEN}`));
  assert.ok(server.hub.requests.filter((r) => r.server === 'cdn').every((r) => r.authorization === null));
});

test('a missing repo is named, and the model open before it stays open and exports', async () => {
  const { page } = studio;
  await page.goto(hubUrl());
  await loadFromHub(page, REPO);
  await page.getByTestId('pinned-commit').waitFor({ timeout: 60_000 });
  await page.getByTestId('mix-select').selectOption('Q8_0');
  await page.getByRole('button', { name: 'Open another model' }).click();
  await loadFromHub(page, 'test-owner/no-such-model');
  const alert = page.getByTestId('alert-source');
  await alert.waitFor({ timeout: 30_000 });
  const text = await alert.textContent();
  assert.match(text, /test-owner\/no-such-model@main: repository or revision not found/);
  assert.match(text, new RegExp(`${REPO} is still open`));
  assert.doesNotMatch(text, /no-such-model: test-owner\/no-such-model@main/, 'the repo is named once');
  assert.equal(await page.getByTestId('pinned-commit').textContent(), server.hub.commitOf(REPO));
  assert.equal(await page.getByTestId('mix-select').inputValue(), 'Q8_0');
  await screenshot(page, '44b-hub-failed-open-keeps-model');
  // The worker kept the model too: its export is the same file as before.
  assert.ok((await exportQ8(page, 'stories260K-Q8_0.hub-after-failed-open')).equals(folderExport));
});

test('with the cache on, a second run reads the weights from OPFS; Clear cache empties it', async () => {
  const { page } = studio;
  await page.goto(hubUrl());
  await page.getByTestId('cache-toggle').check();
  await loadFromHub(page, REPO);
  const first = await exportQ8(page, 'stories260K-Q8_0.hub-cache-1');
  assert.ok(first.equals(folderExport));
  await page.getByRole('button', { name: 'Open another model' }).click();
  const size = page.getByTestId('cache-size');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="cache-size"]')?.dataset.bytes) > 0, null, { timeout: 30_000 });
  const cached = Number(await size.getAttribute('data-bytes'));
  const weightsSize = (await readFile(path.join(fixtureDir, WEIGHTS))).length;
  assert.ok(cached >= weightsSize, `cache holds ${cached} bytes, the weights are ${weightsSize}`);
  await screenshot(page, '45-hub-cache-filled');

  // A new page (same profile): the preference and the cache survive; no request for the weights.
  server.hub.requests.length = 0;
  await page.goto(hubUrl());
  // The worker answers with the cache's size; until then the box waits.
  await page.waitForFunction(() => document.querySelector('[data-testid="cache-size"]')?.dataset.bytes !== '', null, { timeout: 30_000 });
  assert.equal(await page.getByTestId('cache-toggle').isChecked(), true);
  await loadFromHub(page, REPO);
  const second = await exportQ8(page, 'stories260K-Q8_0.hub-cache-2');
  assert.ok(second.equals(folderExport), 'the cached run differs from the local-folder export');
  assert.deepEqual(weightRequests(), [], 'the second run asked the server for the weights');
  assert.ok(Number(await page.getByTestId('download-cache').getAttribute('data-bytes')) > 0);
  await screenshot(page, '46-hub-from-cache');

  await page.getByRole('button', { name: 'Open another model' }).click();
  await page.getByRole('button', { name: 'Clear cache' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="cache-size"]')?.dataset.bytes === '0', null, { timeout: 30_000 });
  assert.match(await size.textContent(), /^0 B cached/);
  await screenshot(page, '47-hub-cache-cleared');
});

test('cancel stops the export and the download', async () => {
  const slow = await startBrowserHub({
    repos: { 'test-owner/tiny-llama-10m': { dir: path.resolve(repoRoot, '../shared/fixtures/tiny-llama-10m') } },
    bytesPerSecond: 3 << 20,
  });
  try {
    const { page } = studio;
    await page.goto(studioUrl(`?save=download&endpoint=${encodeURIComponent(slow.endpoint)}`));
    await page.getByTestId('cache-toggle').uncheck();
    await loadFromHub(page, 'test-owner/tiny-llama-10m');
    await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 60_000 });
    await page.getByTestId('mix-select').selectOption('Q8_0');
    let downloads = 0;
    page.on('download', () => downloads++);
    await page.getByRole('button', { name: 'Export GGUF' }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="download-overall"]')?.dataset.bytes) > 2_000_000, null, { timeout: 60_000 });
    assert.match(await page.getByTestId('download-overall').textContent(), /left/);
    await screenshot(page, '48-hub-downloading');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('export-status').getByText('Export cancelled').waitFor({ timeout: 60_000 });
    await page.waitForTimeout(500);
    const settled = slow.hub.requests.length;
    const bytesAtCancel = Number(await page.getByTestId('download-overall').getAttribute('data-bytes'));
    await page.waitForTimeout(1500);
    assert.equal(slow.hub.requests.length, settled, 'requests went on after the cancel');
    assert.equal(Number(await page.getByTestId('download-overall').getAttribute('data-bytes')), bytesAtCancel, 'bytes went on arriving');
    assert.ok(bytesAtCancel < 21_000_000, 'the whole model had arrived before the cancel');
    assert.equal(downloads, 0);
    await screenshot(page, '49-hub-cancelled');
  } finally {
    await slow.close();
  }
});
