// Bad input in the studio: each broken folder shows an alert naming what is wrong, and an export
// that fails half-way (a NaN weight) offers no download.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fixtureDir, gotoLocalFolder, launchStudio, modelFilePaths, screenshot } from './studio.mjs';

let studio;
let work;
before(async () => {
  studio = await launchStudio();
  work = await mkdtemp(path.join(os.tmpdir(), 'studio-bad-'));
});
after(async () => {
  await studio?.close();
  await rm(work, { recursive: true, force: true });
});

/** A copy of the fixture folder in which `edit(dir)` breaks something. */
async function brokenCopy(name, edit) {
  const dir = path.join(work, name);
  await mkdir(dir);
  for (const file of await readdir(fixtureDir)) {
    if (!file.endsWith('.gguf')) await copyFile(path.join(fixtureDir, file), path.join(dir, file));
  }
  await edit(dir);
  return dir;
}

async function openFolder(dir) {
  const { page } = studio;
  await gotoLocalFolder(page);
  await page.getByTestId('files-input').setInputFiles(await modelFilePaths(dir));
}

test('a truncated model.safetensors is reported by name', async () => {
  const dir = await brokenCopy('truncated', async (d) => {
    const file = path.join(d, 'model.safetensors');
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
  });
  await openFolder(dir);
  const alert = studio.page.getByRole('alert');
  await alert.waitFor({ timeout: 30_000 });
  assert.match(await alert.textContent(), /model\.safetensors/);
  assert.equal(await studio.page.locator('[data-tensor]').count(), 0, 'no heatmap for a broken model');
  await screenshot(studio.page, '10-error-truncated');
});

test('a folder without config.json is reported by name', async () => {
  const dir = await brokenCopy('no-config', (d) => rm(path.join(d, 'config.json')));
  await openFolder(dir);
  const alert = studio.page.getByRole('alert');
  await alert.waitFor({ timeout: 30_000 });
  assert.match(await alert.textContent(), /config\.json/);
  await screenshot(studio.page, '11-error-no-config');
});

test('an export that meets a NaN weight names the tensor and downloads nothing', async () => {
  const dir = await brokenCopy('nan', async (d) => {
    const file = path.join(d, 'model.safetensors');
    const bytes = await readFile(file);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
    const [begin] = header['model.layers.2.mlp.down_proj.weight'].data_offsets;
    bytes.writeFloatLE(Number.NaN, 8 + headerLength + begin + 4 * 5); // element 5
    await writeFile(file, bytes);
  });
  const { page } = studio;
  await openFolder(dir);
  await page.locator('[data-tensor="blk.2.ffn_down.weight"]').waitFor({ timeout: 30_000 });
  let downloads = 0;
  page.on('download', () => downloads++);
  await page.getByRole('button', { name: 'Export GGUF' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor({ timeout: 120_000 });
  const text = await alert.textContent();
  assert.match(text, /blk\.2\.ffn_down\.weight|model\.layers\.2\.mlp\.down_proj\.weight/);
  assert.match(text, /Export failed/);
  await page.waitForTimeout(500);
  assert.equal(downloads, 0, 'a failed export must not offer a download');
  await screenshot(page, '12-error-nan-export');
});
