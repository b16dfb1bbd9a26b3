// The npm package as a user gets it: `npm pack` (its prepack builds the CLI to JavaScript,
// scripts/build-cli.mjs), the tarball installed into an empty folder, and its `quant-studio` bin
// run there with only Node: `--help`, `inspect` and `quantize` on a fixture, the GGUF byte for byte
// the in-repo CLI's. Also that nothing TypeScript ships or loads: the package holds no .ts file,
// its bin imports no TypeScript loader, and the folder it is installed in has no tsx (nor React,
// Vite or anything else but the package: it has no runtime dependencies).
// Needs npm (it comes with Node) and the fixtures in ../shared; it fails, saying why, without them.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/cli-in-process.ts';
import { startHubServer } from '../helpers/hub-server.ts';
import { packAndInstall, type InstalledPackage } from '../helpers/npm-package.ts';
import { STORIES260K, TINY_LLAMA_10M } from '../helpers/paths.ts';

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full, base)));
    else out.push(path.relative(base, full));
  }
  return out.sort();
}

describe('the npm package (npm pack, installed into an empty folder)', () => {
  let pkg: InstalledPackage;
  let temp = '';
  let installDir = '';
  let packageDir = '';

  beforeAll(async () => {
    for (const fixture of [STORIES260K, TINY_LLAMA_10M]) {
      if (!existsSync(path.join(fixture, 'config.json'))) throw new Error(`fixture missing: ${fixture} (the tests read ../shared/fixtures beside the checkout)`);
    }
    pkg = await packAndInstall();
    ({ temp, installDir, packageDir } = pkg);
    process.stdout.write(`npm package: ${pkg.timings}\n`);
  }, 600_000);

  afterAll(async () => {
    await pkg?.dispose();
  });

  const bin = (...args: string[]) => pkg.cli(args);

  it('installs nothing but itself, and ships compiled JavaScript only', async () => {
    const installed = (await readdir(path.join(installDir, 'node_modules'))).filter((f) => !f.startsWith('.'));
    expect(installed).toEqual(['quant-studio']);

    const files = await listFiles(packageDir);
    expect(files.filter((f) => /\.(c|m)?tsx?$/.test(f))).toEqual([]);
    expect(files).toContain('dist-cli/quant-studio.js');
    expect(files).toContain('dist-cli/THIRD-PARTY-LICENSES.txt'); // the bundled dependencies' licenses
    expect(files.every((f) => f === 'package.json' || f === 'README.md' || f === 'LICENSE' || f.startsWith('dist-cli/'))).toBe(true);
    // The worker threads' entry points are compiled modules of their own.
    for (const entry of ['quantizer-thread.node.js', 'matmul-thread.node.js', 'sensitivity-thread.js']) expect(files).toContain(`dist-cli/${entry}`);

    const manifest = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.bin).toEqual({ 'quant-studio': 'dist-cli/quant-studio.js' });
    expect(manifest.dependencies ?? {}).toEqual({});
    expect((manifest.peerDependenciesMeta as Record<string, { optional?: boolean }>).webgpu?.optional).toBe(true);

    const launcher = await readFile(path.join(packageDir, 'dist-cli/quant-studio.js'), 'utf8');
    expect(launcher.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(launcher).not.toMatch(/register-ts|tsx/);
    for (const file of files.filter((f) => f.endsWith('.js'))) {
      const code = await readFile(path.join(packageDir, file), 'utf8');
      // No module of the sources is named at run time (a worker URL, an import): only the test
      // in ts-worker.node.ts for a `.ts` URL, which a compiled URL never is.
      const named = [...code.matchAll(/["'`]([^"'`\s]*\.tsx?)["'`]/g)].map((m) => m[1]).filter((s) => s !== '.ts');
      expect(named, file).toEqual([]);
      expect(code, file).not.toMatch(/from\s*["'](tsx|react|vite)["'/]/);
    }
  });

  it('runs --help', async () => {
    const { stdout } = await bin('--help');
    expect(stdout).toMatch(/^usage:\n {2}quant-studio inspect/);
  });

  it('runs inspect on a fixture', async () => {
    const { stdout } = await bin('inspect', STORIES260K);
    expect(stdout).toContain('stories260K: LlamaForCausalLM -> llama, 5 layers, 47 tensors');
    expect(stdout).toMatch(/^blk\.0\.attn_q\.weight\s+model\.layers\.0\.self_attn\.q_proj\.weight/m);
  });

  it('quantizes a fixture to Q8_0 on its worker threads, byte for byte the in-repo CLI\'s file', async () => {
    const out = path.join(installDir, 'out.gguf');
    // Two threads at least, so the compiled worker entry points run.
    const { stdout, stderr } = await pkg.cli(['quantize', TINY_LLAMA_10M, '--type', 'Q8_0', '--backend', 'cpu', '-o', out], { QUANT_STUDIO_THREADS: '2' });
    expect(`${stdout}${stderr}`).toMatch(/wrote .*out\.gguf: \d+ bytes, \d+ tensors, Q8_0, .* on cpu \(2 threads\)/);
    const reference = path.join(temp, 'reference.gguf');
    const inRepo = await runCliInProcess(['quantize', TINY_LLAMA_10M, '--type', 'Q8_0', '--backend', 'cpu', '-o', reference]);
    expect(inRepo.code, inRepo.stderr).toBe(0);
    const [ours, theirs] = await Promise.all([readFile(out), readFile(reference)]);
    expect(ours.length).toBe(theirs.length);
    expect(Buffer.compare(ours, theirs)).toBe(0);
  });

  it('quantizes hf://owner/repo from a Hub (the local stand-in) as it does the folder', async () => {
    const server = await startHubServer({ repos: { 'test-owner/stories260K': { dir: STORIES260K } } });
    try {
      const out = path.join(installDir, 'hub.gguf');
      await pkg.cli(['quantize', 'hf://test-owner/stories260K', '--type', 'Q8_0', '--backend', 'cpu', '-o', out], { HF_ENDPOINT: server.url });
      const reference = path.join(temp, 'reference-stories260K.gguf');
      const inRepo = await runCliInProcess(['quantize', STORIES260K, '--type', 'Q8_0', '--backend', 'cpu', '-o', reference]);
      expect(inRepo.code, inRepo.stderr).toBe(0);
      expect(Buffer.compare(await readFile(out), await readFile(reference))).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('says what to install for --backend gpu (the optional webgpu package is not installed)', async () => {
    const failed = await pkg.cli(['quantize', STORIES260K, '--type', 'Q8_0', '--backend', 'gpu', '-o', path.join(installDir, 'gpu.gguf')])
      .then(() => null, (e: Error) => e.message);
    expect(failed).toMatch(/quant-studio quantize: the GPU backend needs the optional `webgpu` package/);
    expect(existsSync(path.join(installDir, 'gpu.gguf'))).toBe(false);
  });
});
