// `node --import ./bin/register-ts.mjs bench/eta-accuracy.ts [--model DIR] [--jobs calibration,sensitivity,export,evaluation]`
// (issue #15): how good is the studio's "ETA" on each long job? Drives the real studio (a built
// dist/, served as e2e/run.mjs serves it; STUDIO_DIST picks another build) in headless Chromium
// over a model folder, runs calibration, the sensitivity measurement, a GGUF export (?save=download)
// and the evaluation of that export with the page's automatic backend choice, and samples every
// 0.5 s, in the page, each job's progress bar (aria-valuenow) and its displayed ETA
// (`[data-testid=eta]`'s data-eta-seconds, which counts down between the workers' reports).
// Afterwards it prints, per job: the actual duration, predicted vs actual time left at 10/25/50/75 %
// of that duration, when the first estimate appeared, and the longest stretch the displayed ETA
// stood still. Prints figures; never passes or fails. `--out FILE` keeps the raw samples as JSON.
// Needs a build (`npx vite build`, or STUDIO_DIST=<outDir> for another). Model: by default the
// trained fixture ../shared/fixtures/tiny-llama-10m (about 25-60 s per job on 2 cores, evaluation
// minutes); for a longer export, a generated size model (`npm run fixtures:size -- qwen3-0.6b`):
//   --model ~/.cache/quant-studio/size-models/qwen3-0.6b --jobs export --mix Q8_0
import { rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
// @ts-expect-error -- plain ESM helpers of the e2e harness, without type declarations
import { gotoLocalFolder, launchStudio, saveDownload } from '../e2e/studio.mjs';
// @ts-expect-error -- likewise
import { serveStatic } from '../e2e/static-server.mjs';

const REPO = path.resolve(import.meta.dirname, '..');
const JOBS = ['calibration', 'sensitivity', 'export', 'evaluation'] as const;
type Job = (typeof JOBS)[number];

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: path.resolve(REPO, '../shared/fixtures/tiny-llama-10m') },
    jobs: { type: 'string', default: JOBS.join(',') },
    'cal-ctx': { type: 'string', default: '512' },
    'cal-chunks': { type: 'string', default: '32' }, // the studio's default
    'sens-chunks': { type: 'string', default: '4' },
    measure: { type: 'string', default: 'layer' },
    mix: { type: 'string', default: 'Q4_K_M' },
    'eval-ctx': { type: 'string', default: '512' },
    'eval-chunks': { type: 'string', default: '1' }, // the studio's 8 take over 6 min: evaluation runs on SwiftShader
    'sample-ms': { type: 'string', default: '500' },
    'timeout-s': { type: 'string', default: '900' },
    out: { type: 'string' },
  },
});
const jobs = new Set(values.jobs!.split(',') as Job[]);
for (const j of jobs) if (!JOBS.includes(j)) throw new Error(`--jobs: ${j} is not one of ${JOBS.join(', ')}`);
const timeout = Number(values['timeout-s']) * 1000;
const sampleMs = Number(values['sample-ms']);

// The element that carries each job's progress bar and ETA while it runs, and the one that says it is done.
const PROGRESS: Record<Job, string> = {
  calibration: '[data-testid="calibration-progress"]',
  sensitivity: '[data-testid="sensitivity-progress"]',
  export: '[data-testid="export-status"]',
  evaluation: '[data-testid="evaluation-progress"]',
};
const DONE: Record<Job, string> = {
  calibration: '[data-testid="calibration-done"]',
  sensitivity: '[data-testid="sensitivity-ready"]',
  export: '[data-testid="export-status"].export-done',
  evaluation: '[data-testid="evaluation-summary"]',
};

interface Sample { t: number; frac: number | null; eta: number | null; present: boolean }
interface Run { job: Job; samples: Sample[]; doneAt: number; detail: string }

/**
 * Starts sampling in the page (its own clock, so a busy Node side does not skew times) and a
 * MutationObserver that timestamps the done element's appearance; t = 0 is this call.
 */
// The in-page code is a string: tsx (esbuild, keepNames) would wrap a function's inner functions
// in a `__name` helper that does not exist in the page.
const SAMPLER = String.raw`(({ progress, done, every }) => {
  window.__etaBench?.stop();
  const t0 = performance.now();
  const state = { samples: [], doneAt: null, stop: () => {} };
  const sample = () => {
    const el = document.querySelector(progress);
    const bar = el?.querySelector('[role="progressbar"]');
    const raw = el?.querySelector('[data-testid="eta"]')?.dataset.etaSeconds;
    state.samples.push({
      t: (performance.now() - t0) / 1000,
      present: !!el && !el.matches('.export-done'),
      frac: bar ? Number(bar.getAttribute('aria-valuenow')) / 100 : null,
      eta: raw === undefined || raw === '' ? null : Number(raw),
    });
  };
  const checkDone = () => {
    if (state.doneAt === null && document.querySelector(done)) state.doneAt = (performance.now() - t0) / 1000;
  };
  const timer = setInterval(sample, every);
  const observer = new MutationObserver(checkDone);
  observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['class', 'data-testid'] });
  state.stop = () => { clearInterval(timer); observer.disconnect(); };
  window.__etaBench = state;
  sample();
})`;

/**
 * Starts sampling in the page (its own clock, so a busy Node side does not skew times) and a
 * MutationObserver that timestamps the done element's appearance; t = 0 is this call.
 */
async function startSampler(page: Page, job: Job): Promise<void> {
  await page.evaluate(`${SAMPLER}(${JSON.stringify({ progress: PROGRESS[job], done: DONE[job], every: sampleMs })})`);
}

async function stopSampler(page: Page): Promise<{ samples: Sample[]; doneAt: number }> {
  return page.evaluate(`(() => {
    const b = window.__etaBench;
    b.stop();
    return { samples: b.samples, doneAt: b.doneAt ?? NaN };
  })()`);
}

async function runJob(page: Page, job: Job, button: string, start: () => Promise<void>, detail: () => Promise<string>): Promise<Run> {
  // A done element left from an earlier run of the same job would end the timing at once.
  if (await page.locator(DONE[job]).count()) throw new Error(`${job}: its done state shows before it started`);
  // The clock starts at the click, not while the button is still disabled (e.g. the export's while
  // the page measures the mixes after a sensitivity run): Playwright's click would wait for it.
  const waited = performance.now();
  const target = page.getByRole('button', { name: button });
  while (!(await target.isEnabled())) {
    if (performance.now() - waited > timeout) throw new Error(`${job}: "${button}" stayed disabled`);
    await page.waitForTimeout(100);
  }
  const waitedFor = (performance.now() - waited) / 1000;
  if (waitedFor > 0.5) console.log(`(${job}: waited ${waitedFor.toFixed(1)} s for "${button}" to be enabled)`);
  await startSampler(page, job);
  await start();
  // A line to stderr every 15 s, so a long job shows it is alive.
  const ticker = setInterval(() => void page.evaluate('window.__etaBench?.samples.at(-1) ?? null').then((v) => {
    const s = v as Sample | null;
    if (s) process.stderr.write(`${job}: t=${s.t.toFixed(0)} s, progress ${fmt(s.frac === null ? null : s.frac * 100, 0)}%, ETA ${fmt(s.eta)} s\n`);
  }, () => {}), 15_000);
  try {
    await page.locator(DONE[job]).first().waitFor({ timeout });
  } finally {
    clearInterval(ticker);
  }
  await page.waitForTimeout(200);
  const { samples, doneAt } = await stopSampler(page);
  return { job, samples: samples.filter((s) => s.t <= doneAt), doneAt, detail: await detail() };
}

const fmt = (s: number | null, digits = 1) => (s === null || !Number.isFinite(s) ? '—' : s.toFixed(digits));

function report(run: Run): string[] {
  const { job, samples, doneAt: total } = run;
  const lines: string[] = [];
  const running = samples.filter((s) => s.present);
  const firstEta = running.find((s) => s.eta !== null);
  const firstShown = running[0];
  // The longest stretch over which the displayed estimate (not null) did not change, and the time
  // the display spent at 0 ("any moment"), i.e. past its own estimate.
  let frozen = { length: 0, from: 0, value: 0 };
  let atZero = 0;
  for (let i = 0; i < running.length; i++) {
    const s = running[i];
    if (s.eta === null) continue;
    let j = i;
    while (j + 1 < running.length && running[j + 1].eta === s.eta) j++;
    const end = j + 1 < running.length ? running[j + 1].t : total;
    if (s.eta > 0 && end - s.t > frozen.length) frozen = { length: end - s.t, from: s.t, value: s.eta };
    if (s.eta === 0) atZero += end - s.t;
    i = j;
  }
  lines.push(`\n## ${job}: ${total.toFixed(1)} s actual; ${run.detail}`);
  lines.push(`progress shown at ${fmt(firstShown?.t ?? null)} s; first estimate at ${fmt(firstEta?.t ?? null)} s` +
    (firstEta ? ` (${fmt(firstEta.eta)} s, actual ${fmt(total - firstEta.t)} s left)` : ' (never)') +
    `; longest frozen ETA ${frozen.length.toFixed(1)} s (${fmt(frozen.value)} s shown from t=${frozen.from.toFixed(1)} s)` +
    `; at 0 / "any moment" for ${atZero.toFixed(1)} s; ${running.length} samples`);
  lines.push('| at | t (s) | progress | ETA shown (s) | actual left (s) | shown ÷ actual |');
  lines.push('|---:|---:|---:|---:|---:|---:|');
  for (const p of [0.1, 0.25, 0.5, 0.75]) {
    const t = p * total;
    // The latest sample at or before the checkpoint.
    const s = [...running].reverse().find((x) => x.t <= t + 1e-9) ?? null;
    const left = s ? total - s.t : null;
    const ratio = s && s.eta !== null && left ? s.eta / left : null;
    lines.push(`| ${Math.round(p * 100)}% | ${fmt(s?.t ?? null)} | ${s?.frac === null || !s ? '—' : `${Math.round(s.frac * 100)}%`} | ${fmt(s?.eta ?? null)} | ${fmt(left)} | ${ratio === null ? '—' : `${ratio.toFixed(2)}×`}${ratio !== null && (ratio > 2 || ratio < 0.5) ? ' ⚠' : ''} |`);
  }
  return lines;
}

// ---- the run ----
const dist = path.resolve(process.env.STUDIO_DIST ?? path.join(REPO, 'dist'));
if (!existsSync(path.join(dist, 'index.html'))) throw new Error(`${dist}/index.html is missing: run \`npx vite build\` (or set STUDIO_DIST)`);
if (!existsSync(path.join(values.model!, 'config.json'))) throw new Error(`${values.model}: no config.json`);
const server = await serveStatic(dist);
process.env.STUDIO_URL = server.url.replace(/\/+$/, '');
const studio = await launchStudio();
const page: Page = studio.page;
const runs: Run[] = [];
const header: string[] = [];
try {
  // The page's own choice of backend (auto): on SwiftShader it exports and calibrates on the CPU and measures on CPU workers.
  await gotoLocalFolder(page, '?save=download&backend=auto');
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
  const opened = performance.now();
  await page.getByTestId('folder-input').setInputFiles(values.model!);
  await page.locator('[data-tensor="blk.0.attn_q.weight"]').waitFor({ timeout: 300_000 });
  const backend = (await page.getByTestId('backend').textContent())?.trim();
  const config = JSON.parse(await (await import('node:fs/promises')).readFile(path.join(values.model!, 'config.json'), 'utf8')) as Record<string, unknown>;
  header.push(`# ETA accuracy (issue #15), ${new Date().toISOString()}`);
  header.push(`model ${values.model} (${config.model_type}, hidden ${config.hidden_size}, ${config.num_hidden_layers} layers, vocab ${config.vocab_size}); opened in ${((performance.now() - opened) / 1000).toFixed(1)} s`);
  header.push(`backend: automatic choice (?backend=auto, measure on "auto"); page says: ${backend}`);
  header.push(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model}), load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at start; sampled every ${sampleMs} ms in the page`);
  console.log(header.join('\n'));

  if (jobs.has('calibration')) {
    await page.getByTestId('calibration-ctx').selectOption(values['cal-ctx']!);
    await page.getByTestId('calibration-chunks').fill(values['cal-chunks']!);
    const run = await runJob(page, 'calibration', 'Calibrate', () => page.getByRole('button', { name: 'Calibrate' }).click(),
      async () => `ctx ${values['cal-ctx']} × ${values['cal-chunks']} chunks; ${(await page.getByTestId('calibration-done').textContent())?.trim().replace(/\s+/g, ' ').slice(0, 200)}`);
    runs.push(run);
    console.log(report(run).join('\n'));
  }
  if (jobs.has('sensitivity')) {
    await page.getByTestId('sensitivity-chunks').fill(values['sens-chunks']!);
    await page.getByTestId('measure-mode').selectOption(values.measure!);
    const device = await page.getByTestId('measure-device').locator('option:checked').textContent();
    const run = await runJob(page, 'sensitivity', 'Measure sensitivity', () => page.getByRole('button', { name: 'Measure sensitivity' }).click(),
      async () => `${values['sens-chunks']} held-out chunks, KL measured "${values.measure}", measure on "${device}"; ${await page.getByTestId('sensitivity-ready').getAttribute('data-tensors')} tensors`);
    runs.push(run);
    console.log(report(run).join('\n'));
  }
  if (jobs.has('export') || jobs.has('evaluation')) {
    await page.getByTestId('mix-select').selectOption(values.mix!);
    const file = path.join(os.tmpdir(), `eta-bench-${values.mix}.gguf`);
    const run = await runJob(page, 'export', 'Export GGUF', () => saveDownload(page, () => page.getByRole('button', { name: 'Export GGUF' }).click(), file, timeout).then(() => {}),
      async () => `${values.mix}, ?save=download; ${(await page.getByTestId('export-status').textContent())?.trim().replace(/\s+/g, ' ').slice(0, 120)}`);
    await rm(file, { force: true }); // the evaluation reads the page's copy, not this one
    if (jobs.has('export')) {
      runs.push(run);
      console.log(report(run).join('\n'));
    }
  }
  if (jobs.has('evaluation')) {
    await page.getByTestId('eval-ctx').selectOption(values['eval-ctx']!);
    await page.getByTestId('eval-chunks').fill(values['eval-chunks']!);
    const run = await runJob(page, 'evaluation', 'Evaluate', () => page.getByRole('button', { name: 'Evaluate' }).click(),
      async () => `ctx ${values['eval-ctx']} × at most ${values['eval-chunks']} chunks (base model, then the export)`);
    runs.push(run);
    console.log(report(run).join('\n'));
  }
  if (studio.pageErrors.length) console.log(`\npage errors:\n${studio.pageErrors.map(String).join('\n')}`);
} finally {
  if (values.out) await writeFile(values.out, JSON.stringify({ header, runs }, null, 1));
  await studio.close();
  await server.close();
}
