// The studio on a model of real size: a generated Qwen3-0.6B (its exact config, random BF16
// weights, test/size-models) opened as a folder in real Chromium.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gotoLocalFolder, launchStudio, screenshot } from './studio.mjs';
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
