// The npm package's GPU backend: the package leaves `webgpu` (Dawn) an optional peer dependency,
// so a user who wants the GPU installs it beside quant-studio. Here the tarball is installed into
// an empty folder, the repository's own copy of webgpu 0.6.2 is linked in beside it (what
// `npm install webgpu@0.6.2` would put there, without copying 130 MB), and the compiled CLI
// quantizes on the GPU (SwiftShader on machines without one, as the rest of this tier): the WGSL
// the bundle carries inline gives the CPU's bytes.
// Needs the WebGPU environment (`node scripts/test.mjs --tier gpu` sets it; by hand:
// `node scripts/with-webgpu-env.mjs npx vitest run test/gpu/npm-package-gpu.test.ts`).
import { existsSync } from 'node:fs';
import { readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packAndInstall, type InstalledPackage } from '../helpers/npm-package.ts';
import { REPO_ROOT, STORIES260K } from '../helpers/paths.ts';

describe('the npm package with webgpu installed beside it', () => {
  let pkg: InstalledPackage;

  beforeAll(async () => {
    const webgpu = path.join(REPO_ROOT, 'node_modules/webgpu');
    if (!existsSync(path.join(webgpu, 'package.json'))) throw new Error(`${webgpu} is missing: run npm ci (webgpu is a devDependency)`);
    pkg = await packAndInstall();
    await symlink(webgpu, path.join(pkg.installDir, 'node_modules/webgpu'), 'dir');
  }, 600_000);

  afterAll(async () => {
    await pkg?.dispose();
  });

  it('quantizes stories260K to Q4_K_M with --backend gpu, byte for byte the CPU backend\'s file', async () => {
    const gpuOut = path.join(pkg.installDir, 'gpu.gguf');
    const cpuOut = path.join(pkg.installDir, 'cpu.gguf');
    const gpu = await pkg.cli(['quantize', STORIES260K, '--type', 'Q4_K_M', '--backend', 'gpu', '-o', gpuOut]);
    expect(`${gpu.stdout}${gpu.stderr}`).toMatch(/wrote .*gpu\.gguf: \d+ bytes, 47 tensors, Q4_K_M, .* on gpu/);
    await pkg.cli(['quantize', STORIES260K, '--type', 'Q4_K_M', '--backend', 'cpu', '-o', cpuOut]);
    const [a, b] = await Promise.all([readFile(gpuOut), readFile(cpuOut)]);
    expect(a.length).toBe(b.length);
    expect(Buffer.compare(a, b)).toBe(0);
  });
});
