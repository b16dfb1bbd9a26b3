// Dynamic quantization, the whole flow in Chromium: open stories260K, calibrate, measure every
// tensor's sensitivity (Apple/ARM types: its rows of 64 fit 32-blocks only), colour the heatmap by
// it, move the budget slider, lock a tensor, measure llama.cpp's mixes for the frontier chart,
// save the recipe, export, and evaluate. The saved recipe fed to `quant-studio quantize --recipe`
// (with the saved imatrix) gives the studio's file byte for byte; the recipe loads back.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { artifactsDir, fixtureDir, gotoLocalFolder, launchStudio, readGgufTensors, repoRoot, saveDownload, screenshot } from './studio.mjs';

const GGML_TYPE_IDS = { F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q5_0: 6, Q5_1: 7, Q8_0: 8, IQ4_NL: 20 };
const files = {
  // Under the studio's own file name: the GGUF records it (quantize.imatrix.file), the CLI as given.
  imatrix: path.join(artifactsDir, 'dynamic', 'stories260K.imatrix.gguf'),
  recipe: path.join(artifactsDir, 'dynamic-stories260K.recipe.json'),
  tensorTypes: path.join(artifactsDir, 'dynamic-stories260K.tensor-types.txt'),
  studioGguf: path.join(artifactsDir, 'dynamic-stories260K-studio.gguf'),
  cliGguf: path.join(artifactsDir, 'dynamic-stories260K-cli.gguf'),
};

let studio;
before(async () => {
  await mkdir(path.dirname(files.imatrix), { recursive: true });
  studio = await launchStudio();
});
after(async () => {
  await studio?.close();
});

/** Every cell's type on the heatmap, by tensor name. */
async function heatmapTypes(page) {
  return page.locator('[data-tensor]').evaluateAll((cells) => Object.fromEntries(cells.map((c) => [c.dataset.tensor, c.dataset.type])));
}

const numberOf = async (locator, attribute) => Number(await locator.getAttribute(attribute));

test('measure, budget, lock, frontier, recipe, export, evaluate', async () => {
  const { page, pageErrors } = studio;
  // Two sensitivity workers, each measuring a shard (the machine has two cores: one by default).
  await gotoLocalFolder(page, '?save=download&workers=2');
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
  await page.getByTestId('folder-input').setInputFiles(fixtureDir);
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 30_000 });
  // An F16 base: above every candidate, so the prediction below starts at zero.
  await page.getByTestId('mix-select').selectOption('F16');

  // Calibrate: the importance matrix the quantizers and the sensitivity pass use.
  await page.getByTestId('calibration-ctx').selectOption('64');
  await page.getByTestId('calibration-chunks').fill('4');
  await page.getByRole('button', { name: 'Calibrate' }).click();
  await page.getByTestId('calibration-done').waitFor({ timeout: 600_000 });
  assert.equal(await saveDownload(page, () => page.getByRole('button', { name: 'Save imatrix' }).click(), files.imatrix), 'stories260K.imatrix.gguf');

  // Measure: every candidate's KL on 4 held-out chunks.
  await page.getByTestId('candidate-set').selectOption('arm');
  await page.getByTestId('measure-mode').selectOption('all');
  // A first run is cancelled (both workers stop); measuring leaves the recipe as it was.
  const before = await heatmapTypes(page);
  await page.getByRole('button', { name: 'Measure sensitivity' }).click();
  await page.getByTestId('sensitivity-progress').filter({ hasText: '2 workers' }).waitFor({ timeout: 60_000 });
  await screenshot(page, '70-dynamic-measuring');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByText('Measurement cancelled.').waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Measure sensitivity' }).click();
  const ready = page.getByTestId('sensitivity-ready');
  await ready.waitFor({ timeout: 900_000 });
  // 1 embedding + 5 layers × 6 matrices (ffn_down’s rows of 172 fit no block); 4 chunks × 64 scored positions.
  assert.equal(await numberOf(ready, 'data-tensors'), 31);
  assert.equal(await numberOf(ready, 'data-positions'), 256);
  await page.getByTestId('frontier-chart').locator('svg').first().waitFor();
  assert.deepEqual(await heatmapTypes(page), before, 'measuring does not change the recipe');
  // The F16 mix is above every candidate: nothing measurable is lost.
  assert.equal(await page.getByTestId('predicted-kld').getAttribute('data-value'), '0');
  await screenshot(page, '71-dynamic-measured');

  // The heatmap by sensitivity: a number per measured cell, the candidates on hover.
  await page.getByRole('radio', { name: 'Sensitivity' }).click();
  const q = page.locator('[data-tensor="blk.2.attn_q.weight"]');
  assert.ok((await numberOf(q, 'data-layer-value')) > 0);
  assert.equal(await page.locator('[data-tensor="blk.2.ffn_down.weight"]').getAttribute('data-layer-value'), null);
  await q.hover();
  const tooltip = page.getByTestId('cell-tooltip');
  assert.match(await tooltip.getByTestId('tooltip-sensitivity').textContent(), /KL with only this tensor at Q4_[01]/);
  assert.equal(await tooltip.getByTestId('tooltip-candidates').locator('tbody tr').count(), 6);
  await page.getByTestId('layer-legend').waitFor();
  await screenshot(page, '72-dynamic-sensitivity-layer');
  await page.getByRole('radio', { name: 'Predicted KL' }).click();
  await page.mouse.move(0, 0);

  // The budget: a low one, then a higher one — live size and prediction, KL falls as size grows.
  const slider = page.getByTestId('budget-slider');
  const [min, max] = [await numberOf(slider, 'min'), await numberOf(slider, 'max')];
  assert.ok(min > 4 && max > min, `budget range ${min}..${max}`);
  const at = async (fraction) => {
    await slider.fill(String(min + fraction * (max - min)));
    return {
      bytes: await numberOf(page.getByTestId('total-size'), 'data-bytes'),
      bpw: Number(await page.getByTestId('bits-per-weight').textContent()),
      kld: await numberOf(page.getByTestId('predicted-kld'), 'data-value'),
      types: await heatmapTypes(page),
    };
  };
  const low = await at(0.2);
  const high = await at(0.6);
  assert.ok(high.bytes > low.bytes, `size grows with the budget: ${low.bytes} -> ${high.bytes}`);
  assert.ok(high.kld < low.kld, `predicted KL falls: ${low.kld} -> ${high.kld}`);
  assert.ok(high.bpw <= min + 0.6 * (max - min) + 0.005, `${high.bpw} bpw within the target`);
  assert.notDeepEqual(high.types, low.types);
  assert.match(await page.getByTestId('mix-select').inputValue(), /__dynamic/);
  await screenshot(page, '73-dynamic-budget');

  // Lock blk.0.attn_v at Q8_0: it stays there, the budget still holds, the others re-allocate.
  const locked = 'blk.0.attn_v.weight';
  const lockType = high.types[locked] === 'Q8_0' ? 'Q4_0' : 'Q8_0';
  await page.locator(`[data-tensor="${locked}"]`).click();
  await page.getByRole('menuitemradio', { name: new RegExp(`^${lockType}`) }).click();
  const afterLock = await heatmapTypes(page);
  assert.equal(afterLock[locked], lockType);
  assert.equal(await page.getByTestId('edit-count').textContent(), '1');
  assert.ok(Number(await page.getByTestId('bits-per-weight').textContent()) <= min + 0.6 * (max - min) + 0.005);
  const final = await at(0.5);
  assert.equal(final.types[locked], lockType, 'a lock survives the slider');
  await screenshot(page, '74-dynamic-locked');

  // llama.cpp's mixes on the frontier, measured.
  await page.getByTestId('measure-mixes').click();
  await page.getByRole('button', { name: 'Measure the mixes again' }).waitFor({ timeout: 600_000 });
  assert.ok((await numberOf(page.getByTestId('frontier-chart'), 'data-mixes-measured')) >= 4);
  await page.getByTestId('frontier-chart').scrollIntoViewIfNeeded();
  await screenshot(page, '75-dynamic-frontier');

  // The recipe, as JSON and as llama-quantize's tensor-type file.
  assert.match(await saveDownload(page, () => page.getByRole('button', { name: 'Save recipe (JSON)' }).click(), files.recipe), /^stories260K-dynamic-[\d.]+bpw\.recipe\.json$/);
  await saveDownload(page, () => page.getByRole('button', { name: 'Save llama-quantize tensor-type file' }).click(), files.tensorTypes);
  const recipe = JSON.parse(await readFile(files.recipe, 'utf8'));
  assert.equal(recipe.format, 'quant-studio-recipe');
  assert.match(recipe.provenance.model, /^folder:[0-9a-f]{64}$/);
  assert.match(recipe.provenance.imatrix, /^[0-9a-f]{64}$/);
  assert.match(recipe.provenance.calibration, /^[0-9a-f]{64}$/);
  assert.match(recipe.provenance.tool, /^quant-studio \d+\.\d+\.\d+$/);
  assert.deepEqual(Object.fromEntries(recipe.tensors.map((t) => [t.name, t.type])), final.types);
  assert.deepEqual(recipe.tensors.filter((t) => t.locked).map((t) => t.name), [locked]);
  assert.ok(Math.abs(recipe.predictedKld - final.kld) <= 1e-9 * final.kld);
  const typeFile = await readFile(files.tensorTypes, 'utf8');
  assert.match(typeFile, new RegExp(`${locked.replaceAll('.', '\\\\.')}.*=${lockType.toLowerCase()}`, 'i'));

  // Export: the file's types are the recipe's; its measured KL goes beside the prediction.
  await saveDownload(page, () => page.getByRole('button', { name: 'Export GGUF' }).click(), files.studioGguf);
  await page.getByTestId('export-status').getByText('Saved').waitFor();
  const { tensors } = await readGgufTensors(files.studioGguf);
  for (const t of recipe.tensors) assert.equal(tensors.get(t.name).dtype, GGML_TYPE_IDS[t.type], t.name);
  const figures = page.getByTestId('exported-figures');
  await page.waitForFunction(() => document.querySelector('[data-testid="exported-figures"]')?.getAttribute('data-measured') !== '', null, { timeout: 300_000 });
  const predicted = await numberOf(figures, 'data-predicted');
  const measured = await numberOf(figures, 'data-measured');
  assert.ok(measured > 0 && predicted > 0);
  assert.ok(measured / predicted < 3 && predicted / measured < 3, `predicted ${predicted} and measured ${measured} KL agree in magnitude`);

  // Evaluate the exported file against the float model.
  await page.getByTestId('eval-ctx').selectOption('64');
  await page.getByTestId('eval-chunks').fill('3');
  await page.getByRole('button', { name: 'Evaluate' }).click();
  await page.getByTestId('evaluation-summary').waitFor({ timeout: 600_000 });
  await page.getByTestId('evaluation-kld').waitFor();
  await screenshot(page, '76-dynamic-evaluated');

  // llama.cpp's route: the same recipe and imatrix through the CLI give the same bytes.
  const cli = spawnSync(process.execPath, [
    path.join(repoRoot, 'bin/quant-studio.mjs'), 'quantize', fixtureDir, '--recipe', files.recipe, '--imatrix', path.basename(files.imatrix), '--backend', 'cpu', '-o', files.cliGguf,
  ], { encoding: 'utf8', cwd: path.dirname(files.imatrix) });
  assert.equal(cli.status, 0, cli.stderr);
  assert.ok((await readFile(files.cliGguf)).equals(await readFile(files.studioGguf)), 'the CLI and the studio write the same file from the recipe');

  // Loading the recipe back gives the same types and the lock.
  await page.getByTestId('mix-select').selectOption('Q8_0');
  assert.notDeepEqual(await heatmapTypes(page), final.types);
  await page.getByTestId('recipe-file-input').setInputFiles(files.recipe);
  await page.getByTestId('recipe-note').waitFor();
  assert.deepEqual(await heatmapTypes(page), final.types);
  assert.equal(await page.getByTestId('edit-count').textContent(), '1');
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('the sensitivity measured on the GPU (whole WebGPU forwards) agrees with the CPU workers', async () => {
  const { page, pageErrors } = studio;
  await gotoLocalFolder(page, '?save=download&workers=2');
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
  await page.getByTestId('folder-input').setInputFiles(fixtureDir);
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 30_000 });
  await page.getByTestId('candidate-set').selectOption('arm');
  await page.getByTestId('sensitivity-chunks').fill('1');
  await page.getByRole('radio', { name: 'Sensitivity' }).waitFor();

  const measureOn = async (device) => {
    await page.getByTestId('measure-device').selectOption(device);
    await page.getByRole('button', { name: /Measure (sensitivity|again)/ }).click();
    await page.getByTestId('sensitivity-progress').waitFor({ timeout: 60_000 });
    if (device === 'gpu') await page.getByTestId('sensitivity-progress').filter({ hasText: 'on the GPU' }).waitFor({ timeout: 120_000 });
    await page.getByTestId('sensitivity-ready').waitFor({ timeout: 900_000 });
    await page.getByRole('radio', { name: 'Sensitivity' }).click();
    return page.locator('[data-layer-value]').evaluateAll((cells) => Object.fromEntries(cells.map((c) => [c.dataset.tensor, Number(c.dataset.layerValue)])));
  };
  const gpu = await measureOn('gpu');
  await screenshot(page, '77-dynamic-measured-on-gpu');
  // "Measure again" measures afresh (the first measurement is cached for this model and data).
  const cpu = await measureOn('cpu');
  assert.equal(Object.keys(gpu).length, 31);
  for (const [name, value] of Object.entries(cpu)) {
    assert.ok(value > 0, name);
    assert.ok(Math.abs(gpu[name] - value) / value < 0.05, `${name}: GPU ${gpu[name]} vs CPU ${value}`);
  }
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});
