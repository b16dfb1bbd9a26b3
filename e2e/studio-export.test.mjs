// The happy path in real Chromium: pick the stories260K folder, edit one tensor's type in the
// heatmap, export through the download path, and check the GGUF that came out.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
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
  // A safetensors model opens at the recommended mix; this test builds on an F16 base.
  assert.equal(await page.getByTestId('mix-select').inputValue(), 'Q4_K_M');
  await page.getByTestId('mix-select').selectOption('F16');
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
  // The next step: the commands that run the file, each naming it.
  const run = page.getByTestId('run-commands');
  assert.match(await run.textContent(), /llama-cli -m stories260K-F16-mixed\.gguf/);
  assert.match(await run.textContent(), /FROM \.\/stories260K-F16-mixed\.gguf.*ollama create stories260k-f16-mixed -f Modelfile/s);
  assert.match(await run.textContent(), /lms import stories260K-F16-mixed\.gguf/);
  assert.equal(await run.getByRole('link', { name: 'Ollama' }).getAttribute('target'), '_blank');
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
  await page.getByTestId('mix-select').selectOption('F16');
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
  // 7.5 bits per weight at Q4_0: the note says which tensors stay wider, and why.
  assert.match(await page.getByTestId('bits-note').textContent(), /token_embd holds \d+% of the weights and stays at Q8_0.*So bits per weight is higher than Q4_0's nominal 4\.50/);
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
  // Dropped anywhere else on the page (here its title): the page opens it too, and stays where it is.
  const url = page.url();
  // An edit of the open model: opening the dropped one again drops it.
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').click();
  await page.getByRole('menu').getByRole('menuitemradio', { name: /Q4_0/ }).click();
  assert.equal(await page.getByTestId('edit-count').textContent(), '1');
  const dropped = await page.locator('h1').evaluate((h1, dt) => {
    h1.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    const drop = new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true });
    h1.dispatchEvent(drop);
    return drop.defaultPrevented;
  }, dataTransfer);
  assert.ok(dropped, 'the page took the drop (the browser would otherwise open the file)');
  await page.waitForFunction(() => document.querySelector('[data-testid="edit-count"]')?.textContent === '0', null, { timeout: 30_000 });
  await page.locator('[data-tensor="blk.4.ffn_up.weight"]').waitFor({ timeout: 30_000 });
  assert.equal(page.url(), url);
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

test('bulk edits: a column heading starts a pattern, a tensor-type file sets many, Undo and Redo step through them, Reset drops them', async () => {
  const { page, pageErrors } = studio;
  await gotoLocalFolder(page);
  await page.getByTestId('folder-input').setInputFiles(fixtureDir);
  const q = (layer) => page.locator(`[data-tensor="blk.${layer}.attn_q.weight"]`);
  await q(0).waitFor({ timeout: 30_000 });
  await page.getByTestId('mix-select').selectOption('Q8_0');
  // The Q column's heading: every block's attn_q, typed in as llama-quantize's --tensor-type.
  await page.getByRole('columnheader').getByRole('button', { name: 'Q', exact: true }).click();
  const input = page.getByTestId('pattern-input');
  assert.equal(await input.inputValue(), '^blk\\.\\d+\\.attn_q\\.weight$=');
  await input.press('End');
  await input.pressSequentially('q4_0');
  await input.press('Enter');
  assert.match(await page.getByTestId('edit-note').textContent(), /^set 5 tensors\.$/);
  for (const layer of [0, 4]) assert.equal(await q(layer).getAttribute('data-type'), 'Q4_0');
  assert.equal(await page.getByTestId('edit-count').textContent(), '5');
  // A tensor-type file: its entries in one step.
  const file = path.join(artifactsDir, 'bulk.tensor-types.txt');
  await writeFile(file, 'blk\\.1\\.ffn_up=q4_0\nblk\\.2\\.ffn_up=q4_0\n');
  await page.getByTestId('tensor-type-file-input').setInputFiles(file);
  await page.getByTestId('edit-note').getByText('set 2 tensors.').waitFor();
  assert.equal(await page.locator('[data-tensor="blk.2.ffn_up.weight"]').getAttribute('data-type'), 'Q4_0');
  await screenshot(page, '08-bulk-edits');
  // Undo (Ctrl+Z, away from any field) takes the file's two back, then the column's five.
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+z');
  assert.equal(await page.locator('[data-tensor="blk.2.ffn_up.weight"]').getAttribute('data-type'), 'Q8_0');
  await page.getByRole('button', { name: 'Undo' }).click();
  assert.equal(await q(0).getAttribute('data-type'), 'Q8_0');
  assert.equal(await page.getByTestId('edit-count').textContent(), '0');
  await page.keyboard.press('Control+Shift+z');
  assert.equal(await q(3).getAttribute('data-type'), 'Q4_0');
  await page.getByTestId('reset-edits').click();
  assert.equal(await page.getByTestId('edit-count').textContent(), '0');
  assert.equal(await q(3).getAttribute('data-type'), 'Q8_0');
  // A malformed entry says which, and changes nothing.
  await input.fill('attn_k');
  await input.press('Enter');
  assert.match(await page.getByTestId('edit-note').textContent(), /the pattern entry 1 "attn_k": expected PATTERN=TYPE/);
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});
