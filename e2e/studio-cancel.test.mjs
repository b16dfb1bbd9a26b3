// Cancelling an export: the studio says so, and no file is offered.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { gotoLocalFolder, launchStudio, modelFilePaths, repoRoot, screenshot } from './studio.mjs';

// 10.5M parameters: big enough that an export is still running when Cancel is clicked.
const tinyLlama = path.resolve(repoRoot, '../shared/fixtures/tiny-llama-10m');

let studio;
before(async () => {
  studio = await launchStudio();
});
after(async () => {
  await studio?.close();
});

test('cancel stops the export and nothing is downloaded', async () => {
  const { page } = studio;
  await gotoLocalFolder(page);
  const files = (await modelFilePaths(tinyLlama)).filter((f) => !f.endsWith('README.md'));
  await page.getByTestId('files-input').setInputFiles(files);
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 30_000 });
  // Q8_0: a mix every backend writes today (Q4_0's mix puts Q6_K on the tied embeddings).
  await page.getByTestId('mix-select').selectOption('Q8_0');
  let downloads = 0;
  page.on('download', () => downloads++);

  await page.getByRole('button', { name: 'Export GGUF' }).click();
  await page.getByRole('progressbar').waitFor();
  await screenshot(page, '20-export-running');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByTestId('export-status').getByText('Export cancelled').waitFor({ timeout: 60_000 });
  await page.waitForTimeout(500);
  assert.equal(downloads, 0, 'a cancelled export must not offer a download');
  assert.equal(await page.getByRole('alert').count(), 0, 'cancelling is not an error');
  assert.equal(await page.getByRole('button', { name: 'Export GGUF' }).isEnabled(), true);
  await screenshot(page, '21-export-cancelled');
});
