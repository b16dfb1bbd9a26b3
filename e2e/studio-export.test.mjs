// The happy path in real Chromium: pick the stories260K folder, edit one tensor's type in the
// heatmap, export through the download path, and check the GGUF that came out.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { evaluateInLlamaCpp, exportMixOnCpu } from './reference-export.mjs';
import {
  artifactsDir, assertDistributions, exportedGgufPath, fixtureDir, gotoLocalFolder, launchStudio, modelFilePaths, readGgufTensors, screenshot,
} from './studio.mjs';

let studio;
before(async () => {
  studio = await launchStudio();
});
after(async () => {
  await studio?.close();
});

test('stories260K: pick the folder, set blk.0.attn_q to Q8_0 over an F16 base, export a valid GGUF', async () => {
  const { page, pageErrors } = studio;
  await gotoLocalFolder(page);
  await page.getByText('Drop a Hugging Face model folder or a GGUF file here').waitFor();
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
  // The worker found SwiftShader's adapter: the GPU quantizer, not the CPU fallback, runs below.
  assert.match(await page.getByTestId('backend').textContent(), /WebGPU/);
  await screenshot(page, '01-empty');

  // The folder input (webkitdirectory): Playwright uploads the whole directory.
  await page.getByTestId('folder-input').setInputFiles(fixtureDir);
  const cell = page.locator('[data-tensor="blk.0.attn_q.weight"]');
  await cell.waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('mix-select').inputValue(), 'F16');
  assert.equal(await cell.getAttribute('data-type'), 'F16');
  // Norms stay F32 whatever the base type.
  assert.equal(await page.locator('[data-tensor="blk.0.attn_norm.weight"]').getAttribute('data-type'), 'F32');
  assert.equal(await page.locator('[data-tensor]').count(), 47);
  const sizeBefore = await page.getByTestId('total-size').textContent();
  const bpwBefore = Number(await page.getByTestId('bits-per-weight').textContent());
  await cell.hover();
  await page.getByRole('tooltip').waitFor();
  assert.match(await page.getByRole('tooltip').textContent(), /model\.layers\.0\.self_attn\.q_proj\.weight/);
  await screenshot(page, '02-heatmap-tooltip');

  await cell.click();
  const menu = page.getByRole('menu');
  await menu.waitFor();
  await screenshot(page, '03-type-menu');
  await menu.getByRole('menuitemradio', { name: /Q8_0/ }).click();
  await menu.waitFor({ state: 'detached' });
  assert.equal(await cell.getAttribute('data-type'), 'Q8_0');
  assert.equal(await page.getByTestId('edit-count').textContent(), '1');
  assert.notEqual(await page.getByTestId('total-size').textContent(), sizeBefore);
  assert.ok(Number(await page.getByTestId('bits-per-weight').textContent()) < bpwBefore, 'Q8_0 costs fewer bits than F16');
  await screenshot(page, '04-edited');

  const downloadPromise = page.waitForEvent('download', { timeout: 120_000 });
  await page.getByRole('button', { name: 'Export GGUF' }).click();
  await screenshot(page, '05-exporting'); // progress, or already done on a fast machine
  const download = await downloadPromise;
  assert.equal(download.suggestedFilename(), 'stories260K-F16-mixed.gguf');
  await download.saveAs(exportedGgufPath);
  await page.getByTestId('export-status').getByText('Saved').waitFor();
  await screenshot(page, '06-exported');

  const { metadata, tensors } = await readGgufTensors(exportedGgufPath);
  assert.equal(metadata['general.architecture'], 'llama');
  assert.equal(tensors.size, 47);
  assert.equal(tensors.get('blk.0.attn_q.weight').dtype, 8, 'blk.0.attn_q.weight is Q8_0');
  assert.equal(tensors.get('blk.1.attn_q.weight').dtype, 1, 'the other tensors keep the F16 base');
  assert.equal(tensors.get('blk.0.attn_norm.weight').dtype, 0, 'norms are F32');
  assert.equal(tensors.get('token_embd.weight').dtype, 1);
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));

  // The browser's file (GPU quantizer in the worker) must equal the Node CPU reference export.
  const { exportModelFolder } = await import('../test/helpers/export-node.ts');
  const reference = path.join(artifactsDir, 'stories260K-F16-mixed.node-cpu.gguf');
  await exportModelFolder(fixtureDir, reference, 'F16', {
    overrides: [{ pattern: /^blk\.0\.attn_q\.weight$/, type: 'Q8_0' }],
  });
  assert.ok((await readFile(exportedGgufPath)).equals(await readFile(reference)), 'browser GGUF differs from the CPU export');

  // llama.cpp loads the downloaded file and gives a proper next-token distribution everywhere.
  const { tokens, distributions } = await evaluateInLlamaCpp(exportedGgufPath);
  assertDistributions(tokens, distributions);
});

test('a new mix recolours every cell at once and keeps the per-tensor edit', async () => {
  const { page } = studio;
  await gotoLocalFolder(page);
  await page.getByTestId('files-input').setInputFiles(await modelFilePaths(fixtureDir));
  const q = page.locator('[data-tensor="blk.0.attn_q.weight"]');
  await q.waitFor({ timeout: 30_000 });
  await q.click();
  await page.getByRole('menu').getByRole('menuitemradio', { name: /Q8_0/ }).click();
  const sizeF16 = await page.getByTestId('total-size').textContent();

  await page.getByTestId('mix-select').selectOption('Q4_0');
  assert.equal(await page.locator('[data-tensor="blk.3.attn_k.weight"]').getAttribute('data-type'), 'Q4_0');
  assert.equal(await q.getAttribute('data-type'), 'Q8_0', 'the edit wins over the base type');
  // ffn_down rows hold 172 values, which no 32-block divides: llama.cpp falls back to F16.
  assert.equal(await page.locator('[data-tensor="blk.3.ffn_down.weight"]').getAttribute('data-type'), 'F16');
  assert.equal(await page.locator('[data-tensor="output_norm.weight"]').getAttribute('data-type'), 'F32');
  assert.notEqual(await page.getByTestId('total-size').textContent(), sizeF16);
  assert.ok(Number(await page.getByTestId('bits-per-weight').textContent()) < 8);
  await screenshot(page, '07-base-q4_0');

  // Tied embeddings: llama-quantize gives token_embd the output tensor's Q6_K, which falls back to Q8_0 on 64-wide rows.
  assert.equal(await page.locator('[data-tensor="token_embd.weight"]').getAttribute('data-type'), 'Q8_0');
  // Undo the edit from the menu: the tensor follows the mix again.
  await q.click();
  await page.getByRole('menu').getByRole('menuitem', { name: /mix's type/ }).click();
  assert.equal(await q.getAttribute('data-type'), 'Q4_0');
  assert.equal(await page.getByTestId('edit-count').textContent(), '0');
});

test('dropping the model files onto the drop zone opens them', async () => {
  const { page } = studio;
  await gotoLocalFolder(page);
  const files = await Promise.all(
    (await modelFilePaths(fixtureDir)).map(async (f) => ({ name: path.basename(f), base64: (await readFile(f)).toString('base64') })),
  );
  const dataTransfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const { name, base64 } of list) {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], name));
    }
    return dt;
  }, files);
  await page.getByTestId('drop-zone').dispatchEvent('dragover', { dataTransfer });
  await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer });
  await page.locator('[data-tensor="blk.4.ffn_up.weight"]').waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('[data-tensor]').count(), 47);
  assert.equal(await page.getByRole('alert').count(), 0);
});

test('left to choose, the page exports on the CPU where WebGPU is a software emulation, the same bytes, and says why', async () => {
  const { page, pageErrors } = studio;
  await gotoLocalFolder(page, '?save=download&backend=auto');
  const badge = page.getByTestId('backend');
  await badge.waitFor({ timeout: 60_000 });
  const detail = await badge.getAttribute('title');
  // This machine's WebGPU is SwiftShader (DESIGN.md's test rig); a real GPU keeps the GPU.
  const software = /swiftshader|llvmpipe|lavapipe/i.test(detail);
  assert.match(await badge.textContent(), software ? /^CPU \(WebGPU here is .*a software emulation: the CPU is faster\)$/ : /WebGPU/);
  await page.getByTestId('folder-input').setInputFiles(fixtureDir);
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 30_000 });
  await page.getByTestId('mix-select').selectOption('Q4_0');
  const file = path.join(artifactsDir, 'stories260K-Q4_0.auto-backend.gguf');
  const downloadPromise = page.waitForEvent('download', { timeout: 120_000 });
  const started = performance.now();
  await page.getByRole('button', { name: 'Export GGUF' }).click();
  const download = await downloadPromise;
  const seconds = (performance.now() - started) / 1000;
  await download.saveAs(file);
  console.log(`stories260K Q4_0 export in the page on ${software ? 'the CPU (SwiftShader present)' : 'the GPU'}: ${seconds.toFixed(2)} s`);
  const reference = path.join(artifactsDir, 'stories260K-Q4_0.node-cpu.gguf');
  await exportMixOnCpu(fixtureDir, reference, 'Q4_0');
  assert.ok((await readFile(file)).equals(await readFile(reference)), 'the page\'s GGUF equals the CPU export');
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});
