// Every WGSL kernel composes from its `//! include` lines and compiles on Dawn (createShaderModule
// + getCompilationInfo, no pipelines, no dispatches: seconds). The include resolver's rules are
// checked on made-up modules without a GPU.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeWgslModules, wgslIncludes } from '../../src/gpu/wgsl-compose.ts';
import { composeWgsl, WGSL_FILES } from '../../src/gpu/wgsl-modules.ts';
import { createTestDevice } from '../helpers/gpu-env.ts';

const SHADERS = join(import.meta.dirname, '../../shaders');

function wgslFilesOnDisk(dir = SHADERS): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return wgslFilesOnDisk(path);
    return entry.name.endsWith('.wgsl') ? [relative(SHADERS, path)] : [];
  });
}

/** The modules a pipeline is made from: those no other module includes. */
const included = new Set(Object.values(WGSL_FILES).flatMap((text) => wgslIncludes(text)));
const KERNELS = Object.keys(WGSL_FILES).filter((path) => !included.has(path));

describe('include resolution', () => {
  const lookup = (files: Record<string, string>) => (path: string) => files[path];

  it('puts each module once, after what it includes', () => {
    const files = {
      'k.wgsl': '//! include b.wgsl\n//! include a.wgsl\nK',
      'a.wgsl': 'A',
      'b.wgsl': '//! include a.wgsl\nB',
    };
    const out = composeWgslModules('k.wgsl', lookup(files));
    const order = ['A', 'B', 'K'].map((body) => out.indexOf(`\n${body}`));
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
    expect(out.match(/\nA$/gm)).toHaveLength(1);
  });

  it('names the file that includes a missing module', () => {
    const files = { 'k.wgsl': '//! include a.wgsl\nK', 'a.wgsl': '//! include gone.wgsl\nA' };
    expect(() => composeWgslModules('k.wgsl', lookup(files))).toThrow('a.wgsl includes gone.wgsl, which does not exist');
  });

  it('names the chain of a cycle', () => {
    const files = { 'k.wgsl': '//! include a.wgsl', 'a.wgsl': '//! include b.wgsl', 'b.wgsl': '//! include a.wgsl' };
    expect(() => composeWgslModules('k.wgsl', lookup(files))).toThrow('include cycle k.wgsl -> a.wgsl -> b.wgsl -> a.wgsl');
  });

  it('registers every file under shaders/', () => {
    expect(Object.keys(WGSL_FILES).sort()).toEqual(wgslFilesOnDisk().sort());
  });

  it('composes every kernel', () => {
    expect(KERNELS.length).toBeGreaterThan(20);
    for (const path of KERNELS) expect(() => composeWgsl(path), path).not.toThrow();
  });
});

describe('kernels compile on Dawn', () => {
  let device: GPUDevice;
  beforeAll(async () => {
    device = await createTestDevice();
  });
  afterAll(() => device?.destroy());

  async function compileErrors(path: string, code: string): Promise<{ errors: string[]; scope: string | undefined }> {
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ label: `WgslModulesTest.${path}`, code });
    const info = await module.getCompilationInfo();
    const error = await device.popErrorScope();
    return { errors: info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}:${m.linePos} ${m.message}`), scope: error?.message };
  }

  it.each(KERNELS)('%s', async (path) => {
    const code = composeWgsl(path);
    const needsF16 = /^enable f16;/m.test(code);
    if (needsF16 && !device.features.has('shader-f16')) {
      // Without the feature the only error may be the extension itself (SwiftShader: see
      // scripts/webgpu-env.mjs); the kernel's f32 twin (matmul.wgsl) compiles below.
      const { errors } = await compileErrors(path, code);
      expect(errors.length, path).toBeGreaterThan(0);
      expect(errors.every((e) => /f16/.test(e)), errors.join('\n')).toBe(true);
      expect(process.env.QUANT_STUDIO_NO_SHADER_F16, `${path} needs shader-f16, which this adapter lacks`).toBe('1');
      return;
    }
    const { errors, scope } = await compileErrors(path, code);
    expect(errors, path).toEqual([]);
    expect(scope).toBeUndefined();
  });
});
