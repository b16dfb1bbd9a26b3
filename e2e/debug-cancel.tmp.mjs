import path from 'node:path';
import { launchStudio, repoRoot, studioUrl, artifactsDir } from './studio.mjs';
const tiny = path.resolve(repoRoot, '../shared/fixtures/tiny-llama-10m');
const studio = await launchStudio();
const { page } = studio;
await page.goto(studioUrl());
await page.getByTestId('backend').waitFor({ timeout: 60000 });
await page.getByTestId('folder-input').setInputFiles(tiny);
await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor();
await page.getByTestId('imatrix-input').setInputFiles(path.join(artifactsDir, 'tiny-llama-10m-synthetic.imatrix.dat'));
await page.getByTestId('mix-select').selectOption('IQ2_XXS');
await page.waitForTimeout(500);
await page.getByRole('button', { name: 'Export GGUF' }).click();
const t0 = Date.now();
for (let i = 0; i < 8; i++) {
  await page.waitForTimeout(4000);
  console.log(((Date.now()-t0)/1000).toFixed(1), await page.getByTestId('export-status').textContent().catch(e => 'none'));
  if (i === 2) { await page.getByRole('button', { name: 'Cancel' }).click(); console.log('cancel clicked'); }
}
await studio.close();
