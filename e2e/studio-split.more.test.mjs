// Split export in the studio: with "Split above" set below the file's size, the export writes the
// files llama-gguf-split cuts from the whole file (each a download here), byte for byte, and
// llama.cpp loads the set from its first file with the whole file's next-token distributions.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { exportMixOnCpu } from './reference-export.mjs';
import { fixtureDir, gotoLocalFolder, launchStudio, screenshot } from './studio.mjs';

let studio;
let dir;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'studio-split-'));
  studio = await launchStudio();
});
after(async () => {
  await studio?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const shardName = (i, n) => `stories260K-F32-${String(i + 1).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.gguf`;

test('stories260K F32 split above 0.001 GB: the downloads are llama-gguf-split --split-max-size 1M of the whole file', async () => {
  const { page, pageErrors } = studio;
  await gotoLocalFolder(page);
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
  await page.getByTestId('folder-input').setInputFiles(fixtureDir);
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 30_000 });
  await page.getByTestId('mix-select').selectOption('F32');
  await page.getByTestId('split-enabled').check();
  await page.getByTestId('split-gigabytes').fill('0.001');
  const count = Number(/→ (\d+) files/.exec(await page.getByTestId('split-files').textContent())?.[1]);
  assert.ok(count >= 2, `planned ${count} files`);
  await screenshot(page, 'split-01-control');

  const saved = [];
  page.on('download', (d) => saved.push(d.saveAs(path.join(dir, d.suggestedFilename())).then(() => d.suggestedFilename())));
  await page.getByRole('button', { name: 'Export GGUF' }).click();
  await page.getByTestId('export-status').getByText('Saved').waitFor({ timeout: 120_000 });
  const names = (await Promise.all(saved)).sort();
  assert.deepEqual(names, Array.from({ length: count }, (_, i) => shardName(i, count)));
  await screenshot(page, 'split-02-saved');

  const whole = path.join(dir, 'whole.gguf');
  await exportMixOnCpu(fixtureDir, whole, 'F32');
  const { runLlamaTool } = await import('../test/helpers/llama-tools.ts');
  await runLlamaTool('llama-gguf-split', ['--split', '--split-max-size', '1M', whole, path.join(dir, 'theirs')]);
  for (const [i, name] of names.entries()) {
    const theirs = path.join(dir, `theirs-${String(i + 1).padStart(5, '0')}-of-${String(count).padStart(5, '0')}.gguf`);
    assert.ok((await readFile(path.join(dir, name))).equals(await readFile(theirs)), `${name} equals llama-gguf-split's`);
  }

  const { getOfflineLlama, nextTokenDistributions } = await import('../test/helpers/llama.ts');
  const llama = await getOfflineLlama();
  const split = await llama.loadModel({ modelPath: path.join(dir, names[0]) });
  const one = await llama.loadModel({ modelPath: whole });
  try {
    const tokens = one.tokenize('Once upon a time, there was a little girl named Lily.');
    const [a, b] = [await nextTokenDistributions(split, tokens), await nextTokenDistributions(one, tokens)];
    for (let i = 0; i < a.length; i++) assert.deepEqual(a[i], b[i], `position ${i}`);
  } finally {
    await split.dispose();
    await one.dispose();
  }
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});
