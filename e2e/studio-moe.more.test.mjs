// A mixture-of-experts model in the studio (Chromium, WebGPU on SwiftShader): a generated
// Qwen3-MoE (8 experts, two per token, the Qwen3 tokenizer) opened from a folder, its heatmap
// with the router and the stacked expert tensors in their own columns, calibrated on the GPU
// (routed experts, a row of importance per expert) against the Node CPU reference, exported as
// Q4_K_M with that imatrix byte for byte as the CPU pipeline writes it, and loaded in llama.cpp.
import assert from 'node:assert/strict';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { collectImatrixOnCpu, defaultSetTokens, evaluateInLlamaCpp, exportMixOnCpu, readImatrixFile } from './reference-export.mjs';
import { artifactsDir, assertDistributions, gotoLocalFolder, launchStudio, saveImatrix, screenshot } from './studio.mjs';

const CALIBRATION = { contextSize: 64, maxChunks: 2 };
const moeDir = path.join(artifactsDir, 'qwen3moe-tiny-random');
// The name the studio gives it, which the export records (quantize.imatrix.file).
const imatrixFile = path.join(artifactsDir, 'qwen3moe-tiny-random.imatrix.gguf');

let studio;
before(async () => {
  await rm(moeDir, { recursive: true, force: true });
  await mkdir(moeDir, { recursive: true });
  const { generateArchModel } = await import('../test/helpers/generate-arch-model.ts');
  // 64 wide: the 152k-row embedding and head dominate the export, and K-quant searches are slow on SwiftShader.
  await generateArchModel('qwen3moe', moeDir, { seed: 21, hidden: 64, experts: { count: 8, used: 2 } });
  studio = await launchStudio();
});
after(async () => {
  await studio?.close();
  await rm(moeDir, { recursive: true, force: true });
});

/** Every column within `tolerance` relative of the reference, below a floor of a thousandth of its row's mean (see forward-compare.ts). */
function assertImatrixClose(actual, expected, plan, tolerance) {
  assert.deepEqual([...actual.entries.keys()].sort(), [...expected.keys()].sort());
  for (const [name, want] of expected) {
    const got = actual.entries.get(name);
    assert.equal(got.length, want.length, `${name}: column count`);
    const cols = plan.tensors.find((t) => t.ggufName === name).ne[0];
    for (let start = 0; start < want.length; start += cols) {
      const floor = 1e-3 * want.slice(start, start + cols).reduce((a, b) => a + Math.abs(b), 0) / cols;
      for (let j = start; j < start + cols; j++) {
        const rel = Math.abs(got[j] - want[j]) / Math.max(Math.abs(want[j]), floor, 1e-30);
        assert.ok(rel <= tolerance, `${name}[${j}]: ${got[j]} vs CPU ${want[j]} (relative ${rel.toExponential(2)})`);
      }
    }
  }
}

test('Qwen3-MoE: heatmap with router and expert columns, GPU calibration, Q4_K_M export equal to the CPU one, loads in llama.cpp', async () => {
  const { page, pageErrors } = studio;
  await gotoLocalFolder(page);
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
  await page.getByTestId('folder-input').setInputFiles(moeDir);
  const experts = page.locator('[data-tensor="blk.1.ffn_down_exps.weight"]');
  await experts.waitFor({ timeout: 60_000 });
  // 2 layers of 4 attention matrices, 4 norms, the router and 3 stacked expert tensors; embeddings, head, final norm.
  assert.equal(await page.locator('[data-tensor]').count(), 2 * 12 + 3);
  assert.equal(await page.locator('[data-tensor="blk.0.ffn_gate_inp.weight"]').getAttribute('data-type'), 'F32', 'the router stays F32');
  // Headings over the attention, the feed-forward's norm, the router and the experts.
  assert.deepEqual(await page.getByTestId('heatmap-groups').locator('.col-group').allTextContents(), ['attention', 'ffn', 'router', 'experts']);
  await experts.hover();
  await page.getByRole('tooltip').waitFor();
  assert.match(await page.getByRole('tooltip').textContent(), /model\.layers\.1\.mlp\.experts\.\*\.down_proj\.weight/);
  await screenshot(page, '70-moe-heatmap');

  await page.getByTestId('calibration-ctx').selectOption(String(CALIBRATION.contextSize));
  await page.getByTestId('calibration-chunks').fill(String(CALIBRATION.maxChunks));
  await page.getByRole('button', { name: 'Calibrate' }).click();
  await page.getByTestId('calibration-done').waitFor({ timeout: 600_000 });
  await screenshot(page, '71-moe-calibrated');
  await saveImatrix(page, imatrixFile, 'qwen3moe-tiny-random.imatrix.gguf');
  const imatrix = await readImatrixFile(imatrixFile);
  const { tokens, bos } = await defaultSetTokens(moeDir);
  const reference = await collectImatrixOnCpu(moeDir, tokens, { ...CALIBRATION, bos });
  assert.equal(imatrix.entries.get('blk.0.ffn_up_exps.weight').length, 64 * 8, 'a row of importance per expert');
  assertImatrixClose(imatrix, reference.entries, reference.plan, 1e-3);

  await page.getByTestId('mix-select').selectOption('Q4_K_M');
  const download = page.waitForEvent('download', { timeout: 300_000 });
  await page.getByRole('button', { name: 'Export GGUF' }).click();
  const exported = path.join(artifactsDir, 'qwen3moe-Q4_K_M.gguf');
  await (await download).saveAs(exported);
  await page.getByTestId('export-status').getByText('Saved').waitFor();
  await screenshot(page, '72-moe-exported');
  const cpuFile = path.join(artifactsDir, 'qwen3moe-Q4_K_M.node-cpu.gguf');
  await exportMixOnCpu(moeDir, cpuFile, 'Q4_K_M', imatrixFile);
  assert.ok((await readFile(exported)).equals(await readFile(cpuFile)), 'the browser\'s Q4_K_M file equals the CPU pipeline\'s');

  const { tokens: evalTokens, distributions } = await evaluateInLlamaCpp(exported);
  assertDistributions(evalTokens, distributions);
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});
