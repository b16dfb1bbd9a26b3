// Calibration on the CPU in the page (issue #15: a software adapter is not a GPU): with
// `?backend=cpu` the calibrate worker runs the CPU forward and its imatrix equals the Node CLI's
// collectImatrix bit for bit; with the automatic choice on SwiftShader the page picks the CPU too
// and says why; an export evaluated with the automatic choice runs on the CPU too and gives the
// Node CPU evaluateKld's figures. The GPU paths stay proven by the other calibration and
// evaluation tests (they force backend=gpu).
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { collectImatrixOnCpu, defaultSetTokens, evaluateKldOnCpu, greedyAgreementOnCpu, readImatrixFile } from './reference-export.mjs';
import { artifactsDir, fixtureDir, gotoLocalFolder, launchStudio, saveDownload, saveImatrix, screenshot } from './studio.mjs';

const CALIBRATION = { contextSize: 64, maxChunks: 4 };

let studio;
before(async () => {
  studio = await launchStudio();
});
after(async () => {
  await studio?.close();
});

async function calibrate(page, query) {
  await gotoLocalFolder(page, query);
  await page.getByTestId('folder-input').setInputFiles(fixtureDir);
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 30_000 });
  await page.getByTestId('calibration-ctx').selectOption(String(CALIBRATION.contextSize));
  await page.getByTestId('calibration-chunks').fill(String(CALIBRATION.maxChunks));
  await page.getByRole('button', { name: 'Calibrate' }).click();
  await page.getByTestId('calibration-done').waitFor({ timeout: 120_000 });
  return page.getByTestId('calibration-done').getByTestId('calibration-device');
}

test('?backend=cpu calibrates on the CPU and gives the CLI imatrix bit for bit', async () => {
  const { page, pageErrors } = studio;
  const device = await calibrate(page, '?save=download&backend=cpu');
  assert.equal(await device.getAttribute('data-device'), 'cpu');
  assert.match(await device.textContent(), /on the CPU \(as asked\)/);
  const file = path.join(artifactsDir, 'stories260K-cpu-calibrated.imatrix.gguf');
  await saveImatrix(page, file);
  const imatrix = await readImatrixFile(file);
  const { tokens, bos } = await defaultSetTokens(fixtureDir);
  const reference = await collectImatrixOnCpu(fixtureDir, tokens, { ...CALIBRATION, bos });
  assert.equal(imatrix.chunkCount, reference.chunkCount);
  assert.deepEqual([...imatrix.entries.keys()].sort(), [...reference.entries.keys()].sort());
  for (const [name, want] of reference.entries) assert.deepEqual(imatrix.entries.get(name), want, name);
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('the automatic choice calibrates on the CPU where WebGPU is SwiftShader, and says so', async () => {
  const { page, pageErrors } = studio;
  const device = await calibrate(page, '?save=download&backend=auto');
  assert.equal(await device.getAttribute('data-device'), 'cpu');
  assert.match(await device.textContent(), /on the CPU: this GPU \(.*swiftshader.*\) is a software emulation/i);
  await screenshot(page, '58-calibrated-on-cpu');

  // Its Q4_0 export, evaluated where the calibration ran: the CPU reference's own figures.
  await page.getByTestId('mix-select').selectOption('Q4_0');
  const download = page.waitForEvent('download', { timeout: 180_000 });
  await page.getByRole('button', { name: 'Export GGUF' }).click();
  const exported = path.join(artifactsDir, 'stories260K-Q4_0-cpu.gguf');
  await (await download).saveAs(exported);
  await page.getByTestId('export-status').getByText('Saved').waitFor();
  const EVALUATION = { contextSize: 64, maxChunks: 4 };
  await page.getByTestId('eval-ctx').selectOption(String(EVALUATION.contextSize));
  await page.getByTestId('eval-chunks').fill(String(EVALUATION.maxChunks));
  await page.getByRole('button', { name: 'Evaluate' }).click();
  await page.getByTestId('evaluation-summary').waitFor({ timeout: 120_000 });
  const value = async (id) => Number(await page.getByTestId(id).getAttribute('data-value'));
  const cpu = await evaluateKldOnCpu(fixtureDir, exported, await page.getByTestId('eval-text').inputValue(), EVALUATION);
  assert.ok(Math.abs((await value('eval-mean-kld')) - cpu.report.kld.mean.value) <= 1e-6 * cpu.report.kld.mean.value, 'mean KLD as the CPU reference');
  assert.ok(Math.abs((await value('eval-ppl-base')) - cpu.report.pplBase.value) <= 1e-6 * cpu.report.pplBase.value, 'base perplexity as the CPU reference');
  assert.equal(await value('eval-same-top'), cpu.report.sameTop.value);
  assert.equal(await value('eval-file-size'), (await readFile(exported)).length);
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('more held-out texts are measured as domains of their own, each as an evaluation of that text alone, and saved as evidence', async () => {
  const { page, pageErrors } = studio;
  // The export and settings of the previous test stay: its sample text is the first domain.
  const EVALUATION = { contextSize: 64, maxChunks: 4 };
  const text = (file, from) => readFile(path.join(fixtureDir, '../text', file), 'utf8').then((t) => t.slice(from, from + 4000));
  const domains = { 'shakespeare.txt': await text('tinyshakespeare.txt', 100_000), 'wiki.txt': await text('wiki.test.raw', 200_000) };
  const files = [];
  for (const [name, body] of Object.entries(domains)) {
    files.push(path.join(artifactsDir, name));
    await writeFile(files.at(-1), body);
  }
  await page.getByTestId('eval-domain-input').setInputFiles(files);
  await page.getByTestId('eval-domains').getByText('wiki.txt').waitFor();
  await page.getByRole('button', { name: 'Evaluate' }).click();
  await page.getByTestId('eval-domain-table').waitFor({ timeout: 120_000 });
  const rows = page.getByTestId('eval-domain-row');
  assert.equal(await rows.count(), 3);
  const exported = path.join(artifactsDir, 'stories260K-Q4_0-cpu.gguf');
  const sample = await page.getByTestId('eval-text').inputValue();
  const texts = [sample, ...Object.values(domains)];
  const names = [await page.getByTestId('eval-text-name').textContent(), ...Object.keys(domains)];
  const references = [];
  for (const [i, t] of texts.entries()) {
    const row = rows.nth(i);
    assert.equal(await row.getAttribute('data-domain'), names[i]);
    const cpu = await evaluateKldOnCpu(fixtureDir, exported, t, EVALUATION);
    references.push(cpu.report);
    const mean = Number(await row.getAttribute('data-mean-kld'));
    assert.ok(Math.abs(mean - cpu.report.kld.mean.value) <= 1e-6 * cpu.report.kld.mean.value, `${names[i]}: mean KLD ${mean} as that text alone gives (${cpu.report.kld.mean.value})`);
  }
  // The domains differ: Shakespeare and Wikipedia are far from the TinyStories the model knows.
  assert.notEqual(references[1].kld.mean.value, references[0].kld.mean.value);
  await screenshot(page, '93-evaluation-domains');

  const save = async (id, ext) => {
    const file = path.join(artifactsDir, `stories260K-Q4_0-cpu.evaluation.${ext}`);
    const suggested = await saveDownload(page, () => page.getByTestId(id).click(), file, 30_000);
    assert.equal(suggested, `stories260K-Q4_0.evaluation.${ext}`, 'named after the evaluated GGUF');
    return readFile(file, 'utf8');
  };
  const json = JSON.parse(await save('save-evidence-json', 'json'));
  assert.deepEqual(json.domains.map((d) => d.domain), names);
  json.domains.forEach((d, i) => {
    assert.ok(Math.abs(d.meanKld - references[i].kld.mean.value) <= 1e-6 * references[i].kld.mean.value, d.domain);
    assert.equal(d.sameTop, references[i].sameTop.value);
    assert.ok(Math.abs(d.p99_9Kld - references[i].kld.p99_9) <= 1e-6 * references[i].kld.p99_9, `${d.domain} 99.9%`);
  });
  const md = await save('save-evidence-md', 'md');
  for (const name of names) assert.match(md, new RegExp(`^\\| ${name.replace(/\./g, '\\.')} \\| 4 × 64 \\|`, 'm'));
  const svg = await save('save-evidence-svg', 'svg');
  assert.equal((svg.match(/<circle [^>]*r="5"[^>]*><title>/g) ?? []).length, 3 * 4, 'median, mean, 99% and 99.9% per domain');
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('greedy continuations: the share of prompts the quantized file continues exactly as the model, as the CLI measures it', async () => {
  const { page, pageErrors } = studio;
  // Same page, same export. Story openings the model knows how to go on from.
  const prompts = ['Once upon a time, there was a little girl', 'The dog ran to the park and', 'Tom had a big red ball.', 'One day, the sun was hot and', 'Lily and her mom went to the store'].join('\n');
  const TOKENS = 16;
  await page.getByTestId('eval-prompts').fill(prompts);
  await page.getByTestId('eval-greedy-tokens').fill(String(TOKENS));
  await page.getByRole('button', { name: 'Evaluate' }).click();
  await page.getByTestId('eval-greedy').waitFor({ timeout: 120_000 });
  const value = async (id) => Number(await page.getByTestId(id).getAttribute('data-value'));
  const cpu = await greedyAgreementOnCpu(fixtureDir, path.join(artifactsDir, 'stories260K-Q4_0-cpu.gguf'), prompts, TOKENS);
  assert.equal(cpu.prompts, 5);
  assert.equal(await value('eval-greedy-identical'), cpu.identical);
  assert.equal(await value('eval-greedy-prefix'), cpu.meanAgreedPrefix);
  assert.equal(await value('eval-greedy-tokens-agree'), cpu.tokenAgreement);
  // Not every continuation survives Q4_0 on this 260K model: the measure can tell files apart.
  assert.ok(cpu.tokenAgreement < 1 && cpu.tokenAgreement > 0.5, `token agreement ${cpu.tokenAgreement}`);
  await screenshot(page, '94-evaluation-greedy');
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});
