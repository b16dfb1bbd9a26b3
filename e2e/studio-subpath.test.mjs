// The production build is static files that work from a sub-folder of any static host: index.html
// names its files relative to the page, and the studio served under /tools/quant-studio/ (nothing
// else on the server) loads, starts its workers (WebGPU and WGSL, WebAssembly), fetches the default
// calibration set and exports stories260K at Q8_0 — byte for byte the Node CPU export — without one
// request outside its folder and without one failed request.
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { serveStatic } from './static-server.mjs';
import { artifactsDir, fixtureDir, launchStudio, repoRoot, withGpuBackend } from './studio.mjs';

const dist = path.resolve(process.env.STUDIO_DIST ?? path.join(repoRoot, 'dist'));
const PREFIX = '/tools/quant-studio/';

let studio;
let server;
before(async () => {
  await mkdir(artifactsDir, { recursive: true });
  server = await serveStatic(dist, { prefix: PREFIX });
  studio = await launchStudio();
});
after(async () => {
  await studio?.close();
  await server?.close();
});

test('index.html names its scripts, styles and icon relative to the page', async () => {
  const html = await readFile(path.join(dist, 'index.html'), 'utf8');
  const urls = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
  assert.ok(urls.length >= 3, `expected the script, the style sheet and the icon in ${urls.join(', ')}`);
  for (const url of urls) assert.match(url, /^\.\//, `${url} in dist/index.html is not relative (vite's base must be './')`);
});

test(`served under ${PREFIX}: starts its workers and exports stories260K at Q8_0`, async () => {
  const { page, pageErrors } = studio;
  const outside = [];
  const failed = [];
  const origin = new URL(server.url).origin;
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.origin === origin && !url.pathname.startsWith(PREFIX)) outside.push(r.url());
  });
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  page.on('requestfailed', (r) => failed.push(`${r.failure()?.errorText} ${r.url()}`));

  await page.goto(`${server.url}${PREFIX}${withGpuBackend('?save=download')}`);
  await page.getByRole('tab', { name: 'Local folder' }).click();
  // The export worker started and found SwiftShader's adapter: its WGSL compiled from the bundle.
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
  assert.match(await page.getByTestId('backend').textContent(), /WebGPU/);
  await page.getByTestId('folder-input').setInputFiles(fixtureDir);
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 30_000 });
  await page.getByTestId('mix-select').selectOption('Q8_0');

  const downloading = page.waitForEvent('download', { timeout: 120_000 });
  await page.getByRole('button', { name: 'Export GGUF' }).click();
  const download = await downloading;
  const file = path.join(artifactsDir, 'stories260K-Q8_0-subpath.gguf');
  await download.saveAs(file);
  await page.getByTestId('export-status').getByText('Saved').waitFor();

  // The default calibration set is fetched relative to the page, as a run would fetch it.
  const calibration = await page.evaluate(async () => {
    const r = await fetch(new URL('calibration/manifest.json', document.baseURI));
    return { status: r.status, url: r.url };
  });
  assert.equal(calibration.status, 200, calibration.url);
  assert.ok(new URL(calibration.url).pathname.startsWith(PREFIX), calibration.url);

  const { exportModelFolder } = await import('../test/helpers/export-node.ts');
  const reference = path.join(artifactsDir, 'stories260K-Q8_0-subpath.node-cpu.gguf');
  await exportModelFolder(fixtureDir, reference, 'Q8_0');
  assert.ok((await readFile(file)).equals(await readFile(reference)), 'the GGUF exported under a sub-path differs from the Node CPU export');

  assert.deepEqual(outside, [], 'requests outside the studio\'s folder');
  assert.deepEqual(failed, [], 'failed requests');
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});
