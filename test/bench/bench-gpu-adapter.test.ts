// `npm run bench:gpu` measures a GPU: on a software adapter (a CPU emulation) or none it must say
// so, name the adapter, and exit non-zero before any work, unless BENCH_GPU_ALLOW_SOFTWARE=1.
// The command's own entry (runBenchGpu) with the adapter Dawn would have found, in-process.
import { describe, expect, it } from 'vitest';
import { EXIT_NO_REAL_GPU, judgeAdapter, runBenchGpu, type FoundAdapter } from '../../bench/gpu.ts';

const info = (fields: Partial<GPUAdapterInfo>) => ({ vendor: '', architecture: '', device: '', description: '', ...fields }) as GPUAdapterInfo;
const adapter = (fields: Partial<GPUAdapterInfo>): FoundAdapter => ({ gpu: {} as GPU, adapter: { info: info(fields) } as GPUAdapter });

async function run(found: FoundAdapter | null, env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const status = await runBenchGpu({ env, found, log: (l) => out.push(l), error: (l) => err.push(l) });
  return { status, out: out.join('\n'), err: err.join('\n') };
}

describe('bench:gpu refuses what is not a real GPU', () => {
  it.each([
    ['SwiftShader', { vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0' }, /google swiftshader swiftshader-device-subzero- SwiftShader driver 5.0.0/],
    ['llvmpipe', { vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }, /llvmpipe \(LLVM 15/],
    ['lavapipe', { vendor: 'mesa', architecture: 'lavapipe', description: 'Vulkan software rasterizer' }, /lavapipe/],
  ])('a software adapter (%s): a non-zero exit and a message naming it', async (_, fields, named) => {
    const r = await run(adapter(fields));
    expect(r.status).toBe(EXIT_NO_REAL_GPU);
    expect(r.err).toMatch(/software/);
    expect(r.err).toMatch(named);
    expect(r.err).toMatch(/BENCH_GPU_ALLOW_SOFTWARE=1/);
    expect(r.out).toBe('');
  });

  it('no adapter at all', async () => {
    const r = await run(null, { BENCH_GPU_ALLOW_SOFTWARE: '1' });
    expect(r.status).toBe(EXIT_NO_REAL_GPU);
    expect(r.err).toMatch(/no WebGPU adapter found.*needs a real GPU/);
  });

  it('the switch lets a software adapter run; a real GPU runs without it', () => {
    const swiftshader = info({ vendor: 'google', description: 'SwiftShader Device (Subzero)' });
    expect(judgeAdapter(swiftshader, { BENCH_GPU_ALLOW_SOFTWARE: '1' })).toMatchObject({ run: true, software: true });
    expect(judgeAdapter(swiftshader, { BENCH_GPU_ALLOW_SOFTWARE: '0' })).toMatchObject({ run: false });
    const h200 = judgeAdapter(info({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' }), {});
    expect(h200).toMatchObject({ run: true, software: false });
    expect(h200.message).toMatch(/nvidia hopper NVIDIA H200/);
  });
});
