// Shared pieces of the e2e tests: the Chromium launch recipe from DESIGN.md, fixture paths,
// screenshots, and a GGUF header reader for checking downloads.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { gguf } from '@huggingface/gguf';

export const repoRoot = path.resolve(import.meta.dirname, '..');
export const fixtureDir = path.resolve(repoRoot, '../shared/fixtures/stories260K');
export const artifactsDir = path.join(import.meta.dirname, 'artifacts');
/** Where studio-export.test.mjs leaves its GGUF (F16 base, blk.0.attn_q.weight at Q8_0) for later checks. */
export const exportedGgufPath = path.join(artifactsDir, 'stories260K-F16-mixed.gguf');

const CHROMIUM_FLAGS = [
  '--no-sandbox', '--headless=new', '--enable-unsafe-webgpu', '--enable-features=Vulkan,WebGPU',
  '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader', '--enable-unsafe-swiftshader',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  '--disable-quic',
];

export function studioUrl(query = '?save=download') {
  const base = process.env.STUDIO_URL;
  if (!base) throw new Error('STUDIO_URL is not set: run the e2e tests through `node e2e/run.mjs`');
  return `${base}/${withGpuBackend(query)}`;
}

/**
 * The tests prove the WGSL quantizers in the page: they ask for the GPU even where WebGPU is
 * SwiftShader (the page's own choice there is the faster CPU); a query naming a backend keeps it.
 */
export function withGpuBackend(query) {
  if (/[?&]backend=/.test(query)) return query;
  return `${query}${query.includes('?') ? '&' : '?'}backend=gpu`;
}

/** The studio opens on the Hub source; the folder tests switch to the local folder first. */
export async function gotoLocalFolder(page, query) {
  await page.goto(studioUrl(query));
  await page.getByRole('tab', { name: 'Local folder' }).click();
}

/** A fresh Chromium profile per test; `close()` removes it. Page errors are collected. */
export async function launchStudio() {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'studio-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_FLAGS,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e));
  page.on('console', (m) => {
    if (m.type() === 'error') console.error(`[page] ${m.text()}`);
  });
  return {
    page,
    pageErrors,
    profile,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Clicks and saves the download the click starts; returns the file name the page suggested. */
export async function saveDownload(page, click, file, timeout = 300_000) {
  const pending = page.waitForEvent('download', { timeout });
  await click();
  const saved = await pending;
  await saved.saveAs(file);
  return saved.suggestedFilename();
}

/** "Save imatrix" (the calibration's): the studio names it after the model; returns its bytes. */
export async function saveImatrix(page, file, expectedName = 'stories260K.imatrix.gguf') {
  const name = await saveDownload(page, () => page.getByRole('button', { name: 'Save imatrix' }).click(), file, 30_000);
  assert.equal(name, expectedName);
  return readFile(file);
}

export async function screenshot(page, name) {
  await mkdir(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The Hugging Face files of a model folder (not the reference GGUF that sits beside them). */
export async function modelFilePaths(dir) {
  const names = await readdir(dir);
  return names.filter((n) => !n.endsWith('.gguf')).map((n) => path.join(dir, n));
}

/** Tensor infos of a GGUF file on disk, by name: { dtype (ggml type id), shape }. */
export async function readGgufTensors(file) {
  const parsed = await gguf(file, { allowLocalFile: true });
  return { metadata: parsed.metadata, tensors: new Map(parsed.tensorInfos.map((t) => [t.name, t])) };
}

/** Every next-token distribution is a probability distribution: finite, non-negative, sums to 1. */
export function assertDistributions(tokens, distributions) {
  assert.ok(tokens.length >= 5, `the sentence gave only ${tokens.length} tokens`);
  assert.equal(distributions.length, tokens.length);
  for (const [i, probs] of distributions.entries()) {
    let sum = 0;
    for (const p of probs) {
      assert.ok(Number.isFinite(p) && p >= 0, `position ${i}: probability ${p}`);
      sum += p;
    }
    assert.ok(Math.abs(sum - 1) <= 1e-3, `position ${i}: probabilities sum to ${sum}`);
  }
}

/**
 * Resident memory of the whole Chromium of `profile` (the browser process, found by its
 * --user-data-dir, and every process below it: renderer, GPU, utility). Pages two processes
 * share count twice, so this is an upper bound.
 */
export async function chromiumRss(profile) {
  const procs = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
      procs.push({ pid: Number(pid), ppid, cmdline, rss });
    } catch {
      // The process ended while being read.
    }
  }
  const inTree = new Set(procs.filter((p) => p.cmdline.includes(`--user-data-dir=${profile}`)).map((p) => p.pid));
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) if (!inTree.has(p.pid) && inTree.has(p.ppid)) { inTree.add(p.pid); grew = true; }
  }
  return procs.filter((p) => inTree.has(p.pid)).reduce((sum, p) => sum + p.rss, 0);
}
