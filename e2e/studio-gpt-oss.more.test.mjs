// gpt-oss in the studio (Chromium, WebGPU on SwiftShader): a generated gpt-oss (16 experts stored
// MXFP4, four per token, sinks, biased experts and router; the o200k tokenizer) opened from a
// folder, its heatmap with the router, the experts and their biases apart and the sinks beside the
// attention, exported as MXFP4_MOE (the experts' MXFP4 bytes copied, the rest Q8_0) byte for byte
// as the CPU pipeline writes it, and loaded in llama.cpp.
import assert from 'node:assert/strict';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { evaluateInLlamaCpp, exportMixOnCpu } from './reference-export.mjs';
import { artifactsDir, assertDistributions, gotoLocalFolder, launchStudio, readGgufTensors, screenshot } from './studio.mjs';

const modelDir = path.join(artifactsDir, 'gpt-oss-tiny-random');

let studio;
before(async () => {
  await rm(modelDir, { recursive: true, force: true });
  await mkdir(modelDir, { recursive: true });
  const { generateArchModel } = await import('../test/helpers/generate-arch-model.ts');
  // 64 wide: o200k's 201k-row embedding and head dominate the export.
  await generateArchModel('gptoss', modelDir, { seed: 23, hidden: 64, experts: { count: 16, used: 4 } });
  studio = await launchStudio();
});
after(async () => {
  await studio?.close();
  await rm(modelDir, { recursive: true, force: true });
});

test('gpt-oss: heatmap with sinks, router and experts with their biases, MXFP4_MOE export equal to the CPU one, loads in llama.cpp', async () => {
  const { page, pageErrors } = studio;
  await gotoLocalFolder(page);
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
  await page.getByTestId('folder-input').setInputFiles(modelDir);
  const experts = page.locator('[data-tensor="blk.3.ffn_down_exps.weight"]');
  await experts.waitFor({ timeout: 60_000 });
  // gpt-oss's FFN pre-norm is llama.cpp's post_attention_norm: it sits with the attention's columns.
  assert.deepEqual(await page.getByTestId('heatmap-groups').locator('.col-group').allTextContents(), ['attention', 'router', 'experts']);
  assert.equal(await page.locator('[data-tensor="blk.0.attn_sinks.weight"]').getAttribute('data-type'), 'F32', 'the sinks stay F32');
  assert.equal(await page.locator('[data-tensor="blk.0.ffn_up_exps.bias"]').getAttribute('data-type'), 'F32', 'the experts\' biases stay F32');
  await experts.hover();
  await page.getByRole('tooltip').waitFor();
  assert.match(await page.getByRole('tooltip').textContent(), /model\.layers\.3\.mlp\.experts\.down_proj_blocks/);
  await screenshot(page, '75-gpt-oss-heatmap');

  await page.getByTestId('mix-select').selectOption('MXFP4_MOE');
  assert.equal(await experts.getAttribute('data-type'), 'MXFP4');
  const download = page.waitForEvent('download', { timeout: 300_000 });
  await page.getByRole('button', { name: 'Export GGUF' }).click();
  const exported = path.join(artifactsDir, 'gpt-oss-MXFP4_MOE.gguf');
  await (await download).saveAs(exported);
  await page.getByTestId('export-status').getByText('Saved').waitFor();
  await screenshot(page, '76-gpt-oss-exported');
  const cpuFile = path.join(artifactsDir, 'gpt-oss-MXFP4_MOE.node-cpu.gguf');
  await exportMixOnCpu(modelDir, cpuFile, 'MXFP4_MOE');
  assert.ok((await readFile(exported)).equals(await readFile(cpuFile)), 'the browser\'s MXFP4_MOE file equals the CPU pipeline\'s');
  // ggml type ids: MXFP4 39, Q8_0 8, F32 0.
  const { tensors } = await readGgufTensors(exported);
  assert.deepEqual(['blk.0.ffn_gate_exps.weight', 'blk.0.attn_q.weight', 'blk.0.attn_sinks.weight'].map((n) => Number(tensors.get(n).dtype)), [39, 8, 0]);

  const { tokens, distributions } = await evaluateInLlamaCpp(exported);
  assertDistributions(tokens, distributions);
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});
