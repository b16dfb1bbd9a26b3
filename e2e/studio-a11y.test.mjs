// Keyboard and accessibility in real Chromium: axe-core finds nothing serious on the page's states
// (empty, a model open, a cell's type menu, after an export), and a keyboard alone takes a model from
// open to exported: the heatmap is one tab stop whose arrows move between cells, its type menu opens
// on the current type, moves with the arrows and gives the focus back to its cell.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertAccessible } from './a11y.mjs';
import { fixtureDir, gotoLocalFolder, launchStudio, screenshot } from './studio.mjs';

let studio;
before(async () => {
  studio = await launchStudio();
});
after(async () => {
  await studio?.close();
});

const focusedTensor = (page) => page.evaluate(() => document.activeElement?.getAttribute('data-tensor') ?? document.activeElement?.outerHTML.slice(0, 80));

test('keyboard only: open, move through the heatmap, set a type from its menu, export; nothing serious for axe on the way', async () => {
  const { page, pageErrors } = studio;
  await page.setViewportSize({ width: 1440, height: 900 });
  await gotoLocalFolder(page);
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
  await assertAccessible(page, 'the empty page');
  // The source tabs are one tab stop; the arrows move between them and show their panel.
  const selectedTab = page.locator('[role="tab"][aria-selected="true"]');
  const first = await selectedTab.textContent();
  const other = first === 'Local folder' ? 'Hugging Face Hub' : 'Local folder';
  assert.equal(await page.getByRole('tab', { name: other }).getAttribute('tabindex'), '-1');
  await selectedTab.focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await selectedTab.textContent(), other);
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), other);
  assert.equal(await page.locator('[role="tabpanel"]').getAttribute('aria-labelledby'), await page.getByRole('tab', { name: other }).getAttribute('id'));
  await page.keyboard.press('ArrowLeft');
  assert.equal(await selectedTab.textContent(), first);
  await page.keyboard.press('End');
  assert.equal(await selectedTab.textContent(), 'Local folder');
  // The folder button shows the keyboard's focus (its input is hidden; the label carries the ring).
  await page.getByTestId('folder-input').focus();
  const ring = await page.getByTestId('folder-input').evaluate((input) => getComputedStyle(input.closest('label')).outlineStyle);
  assert.equal(ring, 'solid', 'the focused folder button shows an outline');
  await page.getByTestId('folder-input').setInputFiles(fixtureDir);
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 30_000 });
  await page.getByTestId('mix-select').selectOption('Q8_0');
  await assertAccessible(page, 'a model open');

  // Colour by: one tab stop; the arrows step over the modes that need what is not there yet.
  const typeMode = page.getByRole('radio', { name: 'Type' });
  await typeMode.focus();
  // Without an imatrix or a measurement every other mode is unavailable: the arrows stay on Type.
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('End');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Type');
  assert.equal(await typeMode.getAttribute('aria-checked'), 'true');
  assert.equal(await page.locator('[role="radiogroup"] [role="radio"][tabindex="0"]').count(), 1);

  // One tab stop in the grid.
  assert.equal(await page.locator('[role="grid"] [data-tensor][tabindex="0"]').count(), 1);
  await page.locator('[role="grid"] [data-tensor][tabindex="0"]').focus();
  assert.equal(await focusedTensor(page), 'blk.0.attn_norm.weight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focusedTensor(page), 'blk.1.attn_q.weight');
  assert.equal(await page.locator('[role="grid"] [data-tensor][tabindex="0"]').getAttribute('data-tensor'), 'blk.1.attn_q.weight');
  // Enter opens the menu on the current type; Escape gives the focus back.
  await page.keyboard.press('Enter');
  const menu = page.getByRole('menu');
  await menu.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-checked')), 'true');
  assert.match(await page.evaluate(() => document.activeElement?.textContent), /^Q8_0/);
  await assertAccessible(page, 'a type menu open');
  await screenshot(page, 'a11y-01-menu');
  await page.keyboard.press('Escape');
  await menu.waitFor({ state: 'detached' });
  assert.equal(await focusedTensor(page), 'blk.1.attn_q.weight');
  // Again, an arrow to another type, Enter sets it.
  await page.keyboard.press('Enter');
  await menu.waitFor();
  await page.keyboard.press('ArrowRight');
  const picked = (await page.evaluate(() => document.activeElement?.querySelector('.menu-type')?.textContent)) ?? '';
  assert.ok(picked && picked !== 'Q8_0', `moved to ${picked}`);
  await page.keyboard.press('Enter');
  await menu.waitFor({ state: 'detached' });
  assert.equal(await page.locator('[data-tensor="blk.1.attn_q.weight"]').getAttribute('data-type'), picked);
  assert.equal(await focusedTensor(page), 'blk.1.attn_q.weight');

  // Tab from the grid reaches Export (the recipe bar comes before it; the page order is the reading order).
  const exportButton = page.getByRole('button', { name: 'Export GGUF' });
  await exportButton.focus();
  const download = page.waitForEvent('download', { timeout: 120_000 });
  await page.keyboard.press('Enter');
  await download;
  await page.getByTestId('export-status').getByText('Saved').waitFor({ timeout: 60_000 });
  await assertAccessible(page, 'after an export');
  await screenshot(page, 'a11y-02-exported');
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});

test('a phone (390×844) and a small laptop (1024×768): no sideways scrolling; the heatmap scrolls in its own frame with its labels in view', async () => {
  const { page, pageErrors } = studio;
  for (const [width, height] of [[390, 844], [1024, 768]]) {
    await page.setViewportSize({ width, height });
    await gotoLocalFolder(page);
    await page.getByTestId('backend').waitFor({ timeout: 60_000 });
    await page.getByTestId('folder-input').setInputFiles(fixtureDir);
    await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 30_000 });
    const wide = await page.evaluate(() => {
      const w = document.documentElement.clientWidth;
      return [...document.querySelectorAll('body *')]
        .filter((e) => !e.closest('.heatmap-scroll') && e.getBoundingClientRect().right > w + 1)
        .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`);
    });
    assert.deepEqual(wide, [], `${width}px: wider than the screen`);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), `${width}px: the page scrolls sideways`);
    assert.equal(await page.locator('.heatmap .row-head').first().evaluate((e) => getComputedStyle(e).position), 'sticky');
    await screenshot(page, `a11y-03-${width}x${height}`);
    await assertAccessible(page, `${width}×${height}`);
  }
  assert.equal(pageErrors.length, 0, pageErrors.map(String).join('\n'));
});
