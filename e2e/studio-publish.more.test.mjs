// Publish to the Hub from the studio, in real Chromium, against the local Hub stand-in with its
// upload side on (behind the CORS proxy, as the page is on another origin): open stories260K from
// the Hub, export Q4_0, then publish. An upload cut on every try fails with an error naming the file
// and commits nothing; published again, the repository holds the GGUF (the same sha256 as the
// downloaded export, uploaded in parts) and a model card whose base_model is the opened repo, with
// the KLD the studio's evaluation measured, and the importance matrix the export used. A publish cancelled while it retries commits
// nothing. Several quant levels from one export (one of them split) go up in one commit, each file as saved.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { listFiles } from '@huggingface/hub';
import { startBrowserHub } from './cors-proxy.mjs';
import { nodePlan, syntheticImatrixEntries, writeLegacyImatrix } from './reference-export.mjs';
import { artifactsDir, fixtureDir, launchStudio, screenshot, studioUrl } from './studio.mjs';

const SOURCE = 'test-owner/stories260K';
const TARGET = 'test-owner/stories260K-GGUF';
const CUT_TARGET = 'test-owner/stories260K-GGUF-cut';
const TOKEN = 'hf_write_token_for_test_owner';
const GGUF = 'stories260K-Q4_0.gguf';
const IMATRIX = 'stories260K-synthetic.imatrix.dat';

let studio;
let server;
let store;
/** sha256 of the downloaded export. */
let exportedSha;

before(async () => {
  studio = await launchStudio();
  store = await mkdtemp(path.join(os.tmpdir(), 'studio-publish-'));
  server = await startBrowserHub({
    repos: { [SOURCE]: { dir: fixtureDir } },
    // Small parts, so the GGUF goes up as a multipart upload (ETags read through CORS).
    write: { storeDir: store, tokens: { [TOKEN]: ['test-owner'] }, multipartThreshold: 100_000, chunkSize: 64 * 1024 },
  });
});
after(async () => {
  await studio?.close();
  await server?.close();
  await rm(store, { recursive: true, force: true });
});

async function publishTo(page, repo) {
  await page.getByTestId('publish-repo').fill(repo);
  await page.getByRole('button', { name: 'Publish' }).click();
}

test('export Q4_0 of a Hub model; a publish whose upload is cut every time names the file and commits nothing', async () => {
  const { page, pageErrors } = studio;
  await page.goto(studioUrl(`?save=download&endpoint=${encodeURIComponent(server.endpoint)}`));
  await page.getByTestId('hub-model-id').fill(SOURCE);
  await page.getByTestId('hub-token').fill(TOKEN);
  await page.getByRole('button', { name: 'Load model' }).click();
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 60_000 });
  // No panel before an export.
  assert.equal(await page.getByRole('region', { name: 'Publish to the Hub' }).count(), 0);
  // Quantized with a (legacy .dat) importance matrix: it is published with the GGUF.
  const imatrixFile = path.join(artifactsDir, IMATRIX);
  await writeLegacyImatrix(imatrixFile, syntheticImatrixEntries(await nodePlan(fixtureDir)), { chunks: 7, dataset: 'tinystories_val_sample.txt' });
  await page.getByTestId('imatrix-input').setInputFiles(imatrixFile);
  await page.getByTestId('imatrix-info').getByText(IMATRIX, { exact: true }).waitFor();
  await page.getByTestId('mix-select').selectOption('Q4_0');
  const downloadPromise = page.waitForEvent('download', { timeout: 180_000 });
  await page.getByRole('button', { name: 'Export GGUF' }).click();
  const download = await downloadPromise;
  assert.equal(download.suggestedFilename(), GGUF);
  const file = path.join(artifactsDir, `publish-${GGUF}`);
  await download.saveAs(file);
  await page.getByTestId('export-status').getByText('Saved').waitFor({ timeout: 60_000 });
  exportedSha = createHash('sha256').update(await readFile(file)).digest('hex');

  const panel = page.getByRole('region', { name: 'Publish to the Hub' });
  await panel.waitFor();
  // The base model is the opened Hub repo; private by default; the Hub form's token.
  assert.equal(await page.getByTestId('publish-base-model').inputValue(), SOURCE);
  assert.ok(await page.getByTestId('publish-private').isChecked());
  assert.equal(await page.getByTestId('publish-token').inputValue(), TOKEN);
  assert.ok(await page.getByRole('button', { name: 'Publish' }).isDisabled(), 'no repository given yet');
  assert.match(await page.getByTestId('publish-blocker').textContent(), /repository to publish to/);
  await panel.scrollIntoViewIfNeeded();
  await screenshot(page, '80-publish-panel');

  server.hub.faults.splice(0, server.hub.faults.length, { kind: 'upload-cut', afterBytes: 1000, times: Infinity });
  await publishTo(page, CUT_TARGET);
  await page.getByTestId('publish-notice').waitFor({ timeout: 30_000 });
  assert.match(await page.getByTestId('publish-notice').textContent(), new RegExp(`retrying ${GGUF.replace(/\./g, '\\.')}`));
  await panel.scrollIntoViewIfNeeded();
  await screenshot(page, '81-publish-retrying');
  const error = page.getByTestId('publish-error');
  await error.waitFor({ timeout: 120_000 });
  const text = await error.textContent();
  assert.ok(text.includes(GGUF), text);
  assert.ok(text.includes(CUT_TARGET), text);
  assert.match(text, /nothing was committed/);
  await panel.scrollIntoViewIfNeeded();
  await screenshot(page, '82-publish-failed');
  // The repository was created (private), and nothing was committed to it.
  assert.equal(server.hub.isPrivate(CUT_TARGET), true);
  assert.deepEqual(server.hub.commits(CUT_TARGET).map((c) => c.summary), ['initial commit']);
  server.hub.faults.length = 0;
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('a publish cancelled while it retries stops, and commits nothing', async () => {
  const { page, pageErrors } = studio;
  server.hub.faults.splice(0, server.hub.faults.length, { kind: 'upload-cut', afterBytes: 1000, times: Infinity });
  // The repository exists now (private): it is checked, not created again.
  await publishTo(page, CUT_TARGET);
  await page.getByTestId('publish-notice').waitFor({ timeout: 30_000 });
  await page.getByTestId('publish-progress').getByRole('button', { name: 'Cancel' }).click();
  await page.getByTestId('publish-cancelled').waitFor({ timeout: 10_000 });
  assert.match(await page.getByTestId('publish-cancelled').textContent(), /nothing was committed/);
  assert.equal(await page.getByTestId('publish-error').count(), 0);
  assert.deepEqual(server.hub.commits(CUT_TARGET).map((c) => c.summary), ['initial commit']);
  server.hub.faults.length = 0;
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('published: the GGUF with the export\'s sha256 and a model card with base_model, in one private commit', async () => {
  const { page, pageErrors } = studio;
  assert.ok(exportedSha, 'the export of the first test');
  // Evaluated first: the card carries the measured KLD.
  await page.getByTestId('eval-ctx').selectOption('128');
  await page.getByTestId('eval-chunks').fill('2');
  await page.getByRole('button', { name: 'Evaluate' }).click();
  await page.getByTestId('evaluation-summary').waitFor({ timeout: 600_000 });
  const meanKld = Number(await page.getByTestId('eval-mean-kld').getAttribute('data-value'));
  assert.match(await page.getByTestId('publish-contents').textContent(), new RegExp(`^${GGUF.replace(/\./g, '\\.')}, the importance matrix ${IMATRIX.replace(/\./g, '\\.')}, a model card \\(README\\.md\\) with the measured KLD: in one commit to ${server.endpoint}, the only place the token is sent\\.$`));
  server.hub.requests.length = 0;
  await publishTo(page, TARGET);
  const done = page.getByTestId('publish-done');
  await done.waitFor({ timeout: 120_000 });
  assert.match(await done.textContent(), new RegExp(`Created .*${TARGET}.*\\(private\\): 3 files in commit`));
  const rows = page.getByTestId('publish-files').locator('li');
  assert.deepEqual(await rows.evaluateAll((li) => li.map((l) => l.getAttribute('data-file'))), [GGUF, IMATRIX, 'README.md']);
  await page.getByRole('region', { name: 'Publish to the Hub' }).scrollIntoViewIfNeeded();
  await screenshot(page, '83-publish-done');

  assert.equal(server.hub.isPrivate(TARGET), true);
  const commits = server.hub.commits(TARGET);
  assert.equal(commits.length, 2, 'the creation and one commit');
  const head = commits.at(-1);
  assert.equal(head.files[GGUF].lfs, exportedSha, 'the published GGUF is the downloaded export');
  assert.ok(head.files['README.md'], 'README.md committed');
  assert.equal(head.files[IMATRIX]?.size, (await readFile(path.join(artifactsDir, IMATRIX))).length, 'the imatrix committed');
  // In parts (multipart), and the token went to the endpoint only, never to the storage URLs.
  const puts = server.hub.requests.filter((r) => r.method === 'PUT');
  assert.ok(puts.length >= 2 && puts.every((r) => r.server === 'cdn' && r.authorization === null), JSON.stringify(puts));

  const listed = [];
  for await (const f of listFiles({ repo: TARGET, hubUrl: server.hub.url, accessToken: TOKEN })) listed.push(f.path);
  assert.ok([GGUF, IMATRIX, 'README.md'].every((f) => listed.includes(f)), listed.join(', '));
  const readme = await (await fetch(`${server.hub.url}/${TARGET}/resolve/main/README.md`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  assert.match(readme, new RegExp(`^---\\nbase_model: "${SOURCE}"\\nbase_model_relation: quantized\\n`));
  assert.match(readme, /\| \[stories260K-Q4_0\.gguf\]\(\.\/stories260K-Q4_0\.gguf\) \| [\d.]+ kB \| [\d.]+ \| [\d.e-]+ \| Q4_0 \+ imatrix \|/);
  assert.match(readme, new RegExp(`revision \`${server.hub.commitOf(SOURCE)}\``));
  assert.ok(meanKld > 0 && readme.includes(`| ${meanKld < 1e-3 ? meanKld.toExponential(2) : meanKld.toPrecision(3)} | Q4_0 + imatrix |`), readme);
  assert.match(readme, /on 2 chunks of 128 tokens/);
  // stories260K is stored in F32: the card reproduces the file from the F32 GGUF.
  assert.match(readme, /--type F32 -o stories260K-F32\.gguf\nllama-quantize --imatrix stories260K-synthetic\.imatrix\.dat stories260K-F32\.gguf stories260K-Q4_0\.gguf Q4_0\n/);
  assert.match(readme, /\n- imatrix\n/);
  assert.match(readme, /Calibration data: `tinystories_val_sample\.txt`, 7 chunks\./);
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('several quant levels from one export, one of them split: all published in one commit, each part as saved', async () => {
  const { page, pageErrors } = studio;
  const LEVELS = 'test-owner/stories260K-GGUF-levels';
  // Q4_0 (the recipe) and Q8_0 too, split above 0.0003 GB: Q8_0 (330 kB of tensor data) in parts, Q4_0 (244 kB) whole.
  const also = page.getByTestId('also-export');
  await also.locator('summary').click();
  await also.locator('input[data-mix="Q8_0"]').check();
  await screenshot(page, '84-also-export-menu');
  await also.locator('summary').click();
  assert.match(await also.locator('summary').textContent(), /Also export: Q8_0/);
  await page.getByTestId('split-enabled').check();
  await page.getByTestId('split-gigabytes').fill('0.0003');
  const count = Number(/→ (\d+) files/.exec(await page.getByTestId('split-files').textContent())?.[1]);
  assert.ok(count >= 3, `planned ${count} files: Q4_0 and Q8_0's parts`);
  const partName = (i) => `stories260K-Q8_0-${String(i + 1).padStart(5, '0')}-of-${String(count - 1).padStart(5, '0')}.gguf`;
  const expected = [GGUF, ...Array.from({ length: count - 1 }, (_, i) => partName(i))];

  const saved = new Map();
  const onDownload = (d) => saved.set(d.suggestedFilename(), d.path().then((p) => readFile(p)));
  page.on('download', onDownload);
  const firstRequest = server.hub.requests.length;
  await page.getByRole('button', { name: 'Export GGUF' }).click();
  await page.getByTestId('export-status').getByText('Saved').waitFor({ timeout: 120_000 });
  page.off('download', onDownload);
  // One read of the model for both levels: the weights' bytes came from the Hub once (the cache is off).
  const weightsSize = (await stat(path.join(fixtureDir, 'model.safetensors'))).size;
  const served = server.hub.requests.slice(firstRequest).filter((r) => r.path.includes('model.safetensors') && (r.status === 200 || r.status === 206));
  const servedBytes = served.reduce((n, r) => {
    const m = /^bytes=(\d+)-(\d+)$/.exec(r.range ?? '');
    return n + (m ? Number(m[2]) - Number(m[1]) + 1 : weightsSize);
  }, 0);
  assert.ok(servedBytes > 0 && servedBytes <= weightsSize, `${servedBytes} bytes of model.safetensors served for the export, the file has ${weightsSize}`);
  assert.deepEqual([...saved.keys()].sort(), [...expected].sort());
  const sha = new Map();
  for (const [name, bytes] of saved) sha.set(name, createHash('sha256').update(await bytes).digest('hex'));
  // The recipe's file is the same Q4_0 as before: one read made both levels.
  assert.equal(sha.get(GGUF), exportedSha);
  assert.match(await page.getByTestId('publish-contents').textContent(), new RegExp(`^${GGUF.replace(/\./g, '\\.')}, stories260K-Q8_0\\.gguf \\(as ${count - 1} files\\), the importance matrix`));

  await publishTo(page, LEVELS);
  const done = page.getByTestId('publish-done');
  await done.waitFor({ timeout: 120_000 });
  await page.getByRole('region', { name: 'Publish to the Hub' }).scrollIntoViewIfNeeded();
  await screenshot(page, '85-publish-levels-done');
  const head = server.hub.commits(LEVELS).at(-1);
  assert.deepEqual(Object.keys(head.files).filter((f) => f !== '.gitattributes').sort(), [...expected, IMATRIX, 'README.md'].sort());
  for (const name of expected) {
    const f = head.files[name];
    assert.equal(f.lfs ?? createHash('sha256').update(await saved.get(name)).digest('hex'), sha.get(name), `${name}: the published bytes are the saved file's`);
  }
  const readme = await (await fetch(`${server.hub.url}/${LEVELS}/resolve/main/README.md`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  assert.match(readme, /\| \[stories260K-Q4_0\.gguf\]\(\.\/stories260K-Q4_0\.gguf\) \| [\d.]+ kB \| [\d.]+ \| Q4_0 \+ imatrix \|/);
  assert.match(readme, new RegExp(`\\| \\[${partName(0).replace(/\./g, '\\.')}\\]\\(\\./${partName(0).replace(/\./g, '\\.')}\\) \\(${count - 1} files, loaded from the first\\) \\| [\\d.]+ kB \\| [\\d.]+ \\| Q8_0 \\+ imatrix \\|`));
  assert.match(readme, /\nllama-quantize --imatrix stories260K-synthetic\.imatrix\.dat stories260K-F32\.gguf stories260K-Q8_0\.gguf Q8_0\n/);
  assert.match(readme, /\nllama-gguf-split --split --split-max-[a-z]+ \w+ stories260K-Q8_0\.gguf stories260K-Q8_0\n/);
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});
