// The studio on a model of real size: a generated Qwen3-0.6B (its exact config, random BF16
// weights, test/size-models) opened as a folder in real Chromium, its heatmap legible at two
// window sizes, and a Q8_0 export whose memory (the whole browser's, and the GPU buffers') stays
// bounded by the largest tensor rather than the model.
import assert from 'node:assert/strict';
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { artifactsDir, chromiumRss, gotoLocalFolder, launchStudio, saveDownload, screenshot } from './studio.mjs';
import { sizeModel } from '../test/size-models/size-models.ts';

let studio;
let folder;
before(async () => {
  folder = await sizeModel('qwen3-0.6b');
  studio = await launchStudio();
});
after(async () => {
  await studio?.close();
});

test('qwen3-0.6b: open the folder, every layer on the heatmap at 1440×900 and 1024×768', async () => {
  const { page, pageErrors } = studio;
  await page.setViewportSize({ width: 1440, height: 900 });
  await gotoLocalFolder(page);
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
  const started = performance.now();
  await page.getByTestId('folder-input').setInputFiles(folder);
  await page.locator('[data-tensor="blk.27.ffn_down.weight"]').waitFor({ timeout: 120_000 });
  console.log(`opened in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  assert.equal(await page.locator('[data-tensor]').count(), 311);
  for (const [width, height, name] of [[1440, 900, '90-size-0.6b-1440'], [1024, 768, '91-size-0.6b-1024']]) {
    await page.setViewportSize({ width, height });
    await screenshot(page, name);
    // Legible: every layer's row is laid out, no cell is squeezed below a readable size, and
    // nothing overflows the window sideways.
    const boxes = await page.locator('[data-tensor^="blk."]').evaluateAll((cells) => cells.map((c) => {
      const r = c.getBoundingClientRect();
      return { w: r.width, h: r.height, right: r.right };
    }));
    assert.equal(boxes.length, 28 * 11, `${width}×${height}: every block tensor has a cell`);
    assert.ok(Math.min(...boxes.map((b) => b.w)) >= 40, `${width}×${height}: cells at least 40 px wide`);
    assert.ok(Math.min(...boxes.map((b) => b.h)) >= 16, `${width}×${height}: cells at least 16 px high`);
    assert.ok(Math.max(...boxes.map((b) => b.right)) <= width, `${width}×${height}: no cell past the window's right edge`);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${width}×${height}: no sideways scrolling`);
  }
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('qwen3-0.6b: a Q8_0 export completes with the browser’s memory and the GPU buffers bounded', async () => {
  const { page, pageErrors, profile } = studio;
  await page.getByTestId('mix-select').selectOption('Q8_0');
  const idle = await chromiumRss(profile);
  let peak = idle;
  const sampler = setInterval(() => void chromiumRss(profile).then((rss) => { peak = Math.max(peak, rss); }), 250);
  const started = performance.now();
  try {
    const file = path.join(artifactsDir, 'qwen3-0.6b-Q8_0.gguf');
    await saveDownload(page, () => page.getByRole('button', { name: 'Export GGUF' }).click(), file, 1_200_000);
    await page.getByTestId('export-status').getByText('Saved').waitFor();
    const seconds = (performance.now() - started) / 1000;
    const size = (await stat(file)).size;
    const gpuPeak = Number(await page.getByTestId('export-status').getAttribute('data-gpu-peak-bytes'));
    const heap = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? null);
    console.log(`export: ${(size / 1e6).toFixed(0)} MB in ${seconds.toFixed(0)} s; Chromium RSS ${(idle / 1e6).toFixed(0)} MB idle, ${(peak / 1e6).toFixed(0)} MB peak; GPU buffers peak ${(gpuPeak / 1e6).toFixed(0)} MB; page JS heap ${heap === null ? 'n/a' : `${(heap / 1e6).toFixed(0)} MB`}`);
    await screenshot(page, '92-size-0.6b-exported');
    // The largest tensor (the 151936 × 1024 output head) as float32 is 622 MB; the whole model
    // 3 GB as float32. The export streams tensor by tensor, so the browser grows by at most two
    // of the largest tensor (one quantizing, the next being read) plus the finished file: in the
    // download mode used here (and in browsers without a save picker) the page holds the file
    // until it hands it to the download; with a save picker it streams to disk.
    assert.ok(gpuPeak > 0 && gpuPeak < 2 * 622e6, `GPU buffers peaked at ${gpuPeak} bytes`);
    assert.ok(peak - idle < size + 2 * 622e6 + 400e6, `Chromium grew by ${peak - idle} bytes for a ${size}-byte file`);
    await rm(file, { force: true });
  } finally {
    clearInterval(sampler);
  }
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});
