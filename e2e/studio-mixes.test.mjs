// llama-quantize's mixes and importance matrices in the studio, checked against the core's
// mix rules run in Node, the CPU reference export, and llama.cpp loading the downloaded files.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  evaluateInLlamaCpp, exportMixOnCpu, mixTypes, nodePlan, syntheticImatrixEntries, writeLegacyImatrix,
} from './reference-export.mjs';
import {
  artifactsDir, assertDistributions, fixtureDir, gotoLocalFolder, launchStudio, readGgufTensors, repoRoot, screenshot,
} from './studio.mjs';

const tinyLlama = path.resolve(repoRoot, '../shared/fixtures/tiny-llama-10m');
const GGML_Q8_0 = 8;
const GGML_Q5_0 = 6;

let studio;
before(async () => {
  studio = await launchStudio();
});
after(async () => {
  await studio?.close();
});

/** Every cell's type as the page shows it. */
async function shownTypes(page) {
  const pairs = await page.locator('[data-tensor]').evaluateAll((cells) => cells.map((c) => [c.dataset.tensor, c.dataset.type]));
  return new Map(pairs);
}

async function openFolder(page, dir) {
  await gotoLocalFolder(page);
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
  // The folder input: the folder's name becomes general.name, as in the CLI export of that folder.
  await page.getByTestId('folder-input').setInputFiles(dir);
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 30_000 });
}

test('stories260K at Q4_K_M: the heatmap shows llama-quantize\'s bumps and the export loads in llama.cpp', async () => {
  const { page, pageErrors } = studio;
  await openFolder(page, fixtureDir);
  const option = await page.locator('option[value="Q4_K_M"]').textContent();
  assert.match(option, /^Q4_K_M — [\d.]+ KiB · \d+\.\d\d bpw · recommended balance$/);
  await page.getByTestId('mix-select').selectOption('Q4_K_M');

  const expected = await mixTypes(fixtureDir, 'Q4_K_M');
  assert.deepEqual(await shownTypes(page), expected);
  // attn_v: Q6_K on llama.cpp's "more bits" layers (2 and 4 of 5), Q8_0 after the 64-wide row
  // fallback; Q4_K -> Q5_0 elsewhere. ffn_down's 172-wide rows fit no block type: F16.
  for (const [layer, type] of [[0, 'Q5_0'], [1, 'Q5_0'], [2, 'Q8_0'], [3, 'Q5_0'], [4, 'Q8_0']]) {
    assert.equal(await page.locator(`[data-tensor="blk.${layer}.attn_v.weight"]`).getAttribute('data-type'), type);
  }
  assert.equal(await page.locator('[data-tensor="blk.2.ffn_down.weight"]').getAttribute('data-type'), 'F16');
  const { fileTypeSummary } = await import('../src/core/recipe/choose-types.ts');
  const { formatBytes } = await import('../src/ui/format.ts');
  const summary = fileTypeSummary(await nodePlan(fixtureDir), expected);
  assert.equal(await page.getByTestId('total-size').textContent(), formatBytes(summary.totalBytes));
  assert.equal(await page.getByTestId('bits-per-weight').textContent(), summary.bitsPerWeight.toFixed(2));

  const bumped = page.locator('[data-tensor="blk.2.attn_v.weight"]');
  await bumped.hover();
  const tooltip = page.getByRole('tooltip');
  await tooltip.waitFor();
  assert.match(await tooltip.textContent(), /TypeQ8_0.*Size[\d.]+ KiB/);
  await screenshot(page, '30-q4_k_m-heatmap');

  // The menu offers every storable type whose block divides the row: none for 172-wide rows.
  await page.locator('[data-tensor="blk.0.ffn_down.weight"]').click();
  const items = page.getByRole('menu').getByRole('menuitemradio');
  assert.deepEqual(await items.allTextContents(), ['F3232 bpw', 'F1616 bpw', 'BF1616 bpw']);
  await page.keyboard.press('Escape');

  const download = page.waitForEvent('download', { timeout: 180_000 });
  await page.getByRole('button', { name: 'Export GGUF' }).click();
  const file = path.join(artifactsDir, 'stories260K-Q4_K_M.gguf');
  const saved = await download;
  assert.equal(saved.suggestedFilename(), 'stories260K-Q4_K_M.gguf');
  await saved.saveAs(file);
  await page.getByTestId('export-status').getByText('Saved').waitFor();
  await screenshot(page, '31-q4_k_m-exported');

  const { metadata, tensors } = await readGgufTensors(file);
  assert.equal(Number(await page.getByTestId('total-size').getAttribute('data-bytes')), (await readFile(file)).length, 'the size shown is the size written');
  assert.equal(metadata['general.file_type'], 15, 'general.file_type is LLAMA_FTYPE_MOSTLY_Q4_K_M');
  assert.equal(tensors.get('blk.2.attn_v.weight').dtype, GGML_Q8_0);
  assert.equal(tensors.get('blk.0.attn_v.weight').dtype, GGML_Q5_0);
  const reference = path.join(artifactsDir, 'stories260K-Q4_K_M.node-cpu.gguf');
  await exportMixOnCpu(fixtureDir, reference, 'Q4_K_M');
  assert.ok((await readFile(file)).equals(await readFile(reference)), 'browser GGUF differs from the CPU export');
  const { tokens, distributions } = await evaluateInLlamaCpp(file);
  assertDistributions(tokens, distributions);
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('stories260K at Q4_0 with an imatrix: the weights reach the quantizer and llama.cpp loads the file', async () => {
  const { page, pageErrors } = studio;
  const imatrixFile = path.join(artifactsDir, 'stories260K-synthetic.imatrix.dat');
  const entries = syntheticImatrixEntries(await nodePlan(fixtureDir));
  await writeLegacyImatrix(imatrixFile, entries, { chunks: 7, dataset: 'tinystories_val_sample.txt' });
  await openFolder(page, fixtureDir);
  await page.getByTestId('mix-select').selectOption('Q4_0');
  await page.getByTestId('imatrix-input').setInputFiles(imatrixFile);
  const info = page.getByTestId('imatrix-info');
  await info.getByText('stories260K-synthetic.imatrix.dat', { exact: true }).waitFor();
  const text = await info.textContent();
  assert.match(text, new RegExp(`${entries.length} entries \\(${entries.length} of ${entries.length + 1} tensors\\)`));
  assert.match(text, /tinystories_val_sample\.txt · 7 chunks/);
  await screenshot(page, '32-imatrix-loaded');

  const download = page.waitForEvent('download', { timeout: 180_000 });
  await page.getByRole('button', { name: 'Export GGUF' }).click();
  const file = path.join(artifactsDir, 'stories260K-Q4_0-imatrix.gguf');
  await (await download).saveAs(file);
  await page.getByTestId('export-status').getByText('Saved').waitFor();

  const withImatrix = path.join(artifactsDir, 'stories260K-Q4_0-imatrix.node-cpu.gguf');
  const without = path.join(artifactsDir, 'stories260K-Q4_0.node-cpu.gguf');
  await exportMixOnCpu(fixtureDir, withImatrix, 'Q4_0', imatrixFile);
  await exportMixOnCpu(fixtureDir, without, 'Q4_0');
  const bytes = await readFile(file);
  assert.equal(Number(await page.getByTestId('total-size').getAttribute('data-bytes')), bytes.length, 'the size shown counts the imatrix keys');
  const { metadata } = await readGgufTensors(file);
  assert.equal(metadata['quantize.imatrix.file'], 'stories260K-synthetic.imatrix.dat');
  assert.equal(metadata['quantize.imatrix.dataset'], 'tinystories_val_sample.txt');
  assert.equal(metadata['quantize.imatrix.entries_count'], entries.length);
  assert.equal(metadata['quantize.imatrix.chunks_count'], 7);
  assert.equal(metadata['general.file_type'], 2, 'LLAMA_FTYPE_MOSTLY_Q4_0');
  assert.ok(bytes.equals(await readFile(withImatrix)), 'browser GGUF differs from the CPU export with the same imatrix');
  assert.ok(!bytes.equals(await readFile(without)), 'the imatrix changed nothing: it did not reach the quantizer');
  const { tokens, distributions } = await evaluateInLlamaCpp(file);
  assertDistributions(tokens, distributions);
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('tiny-llama-10m: IQ2_XXS needs an imatrix; with one the heatmap shows it and Export names what cannot be written', async () => {
  const { page, pageErrors } = studio;
  await openFolder(page, tinyLlama);
  await page.getByTestId('mix-select').selectOption('Q8_0');
  const before = await shownTypes(page);
  const sizeBefore = await page.getByTestId('total-size').textContent();
  assert.match(await page.locator('option[value="IQ2_XXS"]').textContent(), /needs an imatrix/);

  await page.getByTestId('mix-select').selectOption('IQ2_XXS');
  const alert = page.getByTestId('alert-recipe');
  await alert.waitFor();
  assert.match(await alert.textContent(), /IQ2_XXS needs an importance matrix/);
  assert.deepEqual(await shownTypes(page), before, 'the previous recipe stays on screen');
  assert.equal(await page.getByTestId('total-size').textContent(), sizeBefore);
  assert.equal(await page.getByRole('button', { name: 'Export GGUF' }).isEnabled(), false);
  assert.match(await page.getByTestId('heatmap-note').textContent(), /Still showing Q8_0/);
  await screenshot(page, '33-iq2_xxs-needs-imatrix');

  const imatrixFile = path.join(artifactsDir, 'tiny-llama-10m-synthetic.imatrix.dat');
  await writeLegacyImatrix(imatrixFile, syntheticImatrixEntries(await nodePlan(tinyLlama)), { chunks: 3, dataset: 'calibration.txt' });
  await page.getByTestId('imatrix-input').setInputFiles(imatrixFile);
  await alert.waitFor({ state: 'detached' });
  assert.deepEqual(await shownTypes(page), await mixTypes(tinyLlama, 'IQ2_XXS', true));
  assert.equal(await page.locator('[data-tensor="blk.1.attn_q.weight"]').getAttribute('data-type'), 'IQ2_XXS');
  assert.notEqual(await page.getByTestId('total-size').textContent(), sizeBefore);

  // 256-wide rows: every storable type is offered by hand (Q1_0's 128-blocks and NVFP4's 64 fit too).
  await page.locator('[data-tensor="blk.1.attn_q.weight"]').click();
  const offered = await page.getByRole('menu').getByRole('menuitemradio').allTextContents();
  assert.equal(offered.length, 28);
  for (const type of ['NVFP4', 'Q1_0', 'Q2_0', 'IQ2_XXS', 'TQ1_0', 'MXFP4']) assert.ok(offered.some((t) => t.includes(type)), `${type} is offered`);
  await screenshot(page, '34-iq2_xxs-type-menu');
  await page.keyboard.press('Escape');

  // Which types the worker writes (GPU or CPU fallback) is reported by the page itself, so this
  // stays true while quantizers are being added.
  const supported = new Set((await page.getByTestId('backend').getAttribute('data-supported-types')).split(' '));
  const missing = [...new Set((await shownTypes(page)).values())].filter((t) => !supported.has(t));
  let downloads = 0;
  page.on('download', () => downloads++);
  await page.getByRole('button', { name: 'Export GGUF' }).click();
  if (missing.length > 0) {
    const blocked = page.getByTestId('alert-export');
    await blocked.waitFor();
    const message = await blocked.textContent();
    assert.match(message, /cannot be exported yet/);
    for (const type of missing) assert.match(message, new RegExp(`\\b${type} \\(`));
    await page.waitForTimeout(300);
    assert.equal(downloads, 0, 'nothing is saved for a recipe that cannot be written');
    assert.equal(await page.getByTestId('export-status').count(), 0, 'no export was started');
    await screenshot(page, '35-export-blocked');
    // Another mix clears the message.
    await page.getByTestId('mix-select').selectOption('Q8_0');
    await blocked.waitFor({ state: 'detached' });
  } else {
    // Every type is writable: the export starts (it takes minutes on SwiftShader, so stop it).
    await page.getByRole('progressbar').waitFor();
    assert.equal(await page.getByTestId('alert-export').count(), 0);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('export-status').getByText('Export cancelled').waitFor({ timeout: 60_000 });
  }

  // Without the imatrix the mix cannot be applied again.
  await page.getByTestId('mix-select').selectOption('IQ2_XXS');
  await page.getByRole('button', { name: 'Remove' }).click();
  await alert.waitFor();
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('tiny-llama-10m: the "every size" candidates take the budget slider down to the IQ1_S mix\'s size', async () => {
  const { page, pageErrors } = studio;
  await openFolder(page, tinyLlama);
  const imatrixFile = path.join(artifactsDir, 'tiny-llama-10m-synthetic.imatrix.dat');
  await writeLegacyImatrix(imatrixFile, syntheticImatrixEntries(await nodePlan(tinyLlama)), { chunks: 3, dataset: 'calibration.txt' });
  await page.getByTestId('imatrix-input').setInputFiles(imatrixFile);
  await page.getByTestId('mix-select').selectOption('IQ1_S');
  await page.locator('[data-tensor="blk.1.attn_q.weight"][data-type="IQ1_S"]').waitFor();
  const iq1sBpw = Number(await page.getByTestId('bits-per-weight').textContent());

  await page.getByTestId('candidate-set').selectOption('every-size');
  await page.getByTestId('measure-mode').selectOption('layer');
  await page.getByTestId('sensitivity-chunks').fill('1');
  await page.getByRole('button', { name: 'Measure sensitivity' }).click();
  await page.getByTestId('sensitivity-ready').waitFor({ timeout: 900_000 });
  const slider = page.getByTestId('budget-slider');
  const min = Number(await slider.getAttribute('min'));
  assert.ok(min <= iq1sBpw, `the slider reaches ${min} bpw, the IQ1_S mix is ${iq1sBpw} bpw`);
  // At its lowest the recipe uses the 1-bit i-quants in the blocks.
  await slider.fill(String(min));
  const types = new Set((await shownTypes(page)).values());
  assert.ok(types.has('IQ1_S') || types.has('IQ1_M'), `types at the lowest budget: ${[...types].join(', ')}`);
  await screenshot(page, '36-every-size-lowest-budget');
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('tiny-llama-10m: "Check this size whole" measures the allocations at the smaller mixes\' sizes too and keeps the best that fits', async () => {
  const { page, pageErrors } = studio;
  // The previous test's page: sensitivity measured with every size's candidates and an imatrix.
  const slider = page.getByTestId('budget-slider');
  const [min, max] = [Number(await slider.getAttribute('min')), Number(await slider.getAttribute('max'))];
  // Three quarters up: above the sizes of llama.cpp's mixes up to Q5_K_S on this model.
  await slider.fill(String(min + 0.75 * (max - min)));
  // And a local search of 8 nearby recipes after the check.
  await page.getByTestId('refine-count').selectOption('8');
  await page.getByTestId('check-whole').click();
  const note = page.getByTestId('whole-check');
  await note.waitFor({ timeout: 900_000 });
  const figure = async (name) => Number(await note.getAttribute(`data-${name}`));
  const [own, chosen, chosenBytes, targetBytes] = [await figure('own-kld'), await figure('chosen-kld'), await figure('chosen-bytes'), await figure('target-bytes')];
  assert.ok(chosen <= own, `the chosen allocation measured ${chosen}, this size's own ${own}`);
  assert.ok(chosenBytes <= targetBytes, 'it fits the size');
  const count = Number(/\((\d+) allocations measured on the held-out chunks\)/.exec(await note.textContent())?.[1]);
  assert.ok(count >= 5, `${count} allocations measured: this size's own and the smaller mixes' sizes`);
  const refined = page.getByTestId('whole-check-refined');
  assert.match(await refined.textContent(), /Then 8 nearby recipes of this size were measured: (none measured better|\d+ changes? measured better)/);
  if (Number(await refined.getAttribute('data-kept')) > 0) assert.ok(chosen < own, 'a kept change measured better');
  // The recipe now is the chosen allocation: measured again on the same chunks it gives the same KL.
  await page.getByTestId('measure-recipe').click();
  await page.locator('[data-testid="exported-figures"][data-measured]:not([data-measured=""])').waitFor({ timeout: 300_000 });
  assert.equal(Number(await page.getByTestId('exported-figures').getAttribute('data-measured')), chosen);
  await screenshot(page, '95-checked-whole');
  // Moving the slider makes another recipe: the check no longer describes it.
  await slider.fill(String(min + 0.5 * (max - min)));
  assert.equal(await note.count(), 0);
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});
