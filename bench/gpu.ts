// `npm run bench:gpu`: the GPU's figures, each against llama.cpp's own tool on all the machine's
// cores, as markdown tables (figures, never pass/fail on time):
//  1. quantize throughput per type (GB/s of BF16 input) vs llama-quantize, every type the GPU
//     quantizes, bytes compared (bench/gpu-quantize.ts) — the blocks of Qwen3-0.6B's first 2
//     layers (BENCH_GPU_LAYERS=N for more: llama-quantize's IQ1/IQ2 types are the slow part);
//  2. calibration tokens/s on the WebGPU forward vs llama-imatrix (bench/gpu-calibration.ts) —
//     Qwen3-0.6B, wiki.test.raw, 4 chunks of 512;
//  3. the sensitivity measurement's wall time on the WebGPU forward (bench/gpu-sensitivity.ts) —
//     Qwen3-0.6B, 2 held-out chunks of 128, stopped after BENCH_GPU_SENSITIVITY_S (default 60)
//     and the whole projected;
//  4. a CLI export of Llama-3.2-1B (Q4_K_M) from the local Hub server with --backend gpu vs
//     downloading the same bytes (bench/hub-download.ts).
// The models are the generated ones of test/size-models (written on first use), the tools built
// by scripts/build-llama-tools.mjs: that set-up is timed apart from the sections.
// Without a real GPU (no adapter, or a software one: SwiftShader, llvmpipe, lavapipe) it says which
// adapter it found and exits 2. BENCH_GPU_ALLOW_SOFTWARE=1 runs it anyway on such an adapter, at
// sizes a CPU emulation gets through in minutes — SmolLM2-135M's layer 0 (8 rows a tensor, five
// types), stories260K for the forward (one chunk of 16 tokens), SmolLM2-135M exported with only
// layer 0 quantized: a test of the command, its figures meaningless. Where no Vulkan driver is
// found it then runs itself again on SwiftShader (scripts/webgpu-env.mjs).
// BENCH_GPU=quantize,calibration,sensitivity,export picks sections; BENCH_GPU_TYPES=Q4_K,… types.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SWIFTSHADER_ICD, webgpuEnv } from '../scripts/webgpu-env.mjs';
import { requestNodeAdapter, vulkanLoaderFound } from '../src/cli/backend.ts';
import { describeAdapter, isSoftwareAdapter } from '../src/gpu/device.ts';

/** The exit status when there is no real GPU to measure. */
export const EXIT_NO_REAL_GPU = 2;

export interface FoundAdapter { gpu: GPU; adapter: GPUAdapter }

export interface AdapterVerdict {
  run: boolean;
  software: boolean;
  message: string;
}

const softwareAllowed = (env: NodeJS.ProcessEnv) => env.BENCH_GPU_ALLOW_SOFTWARE === '1';

/** Whether this adapter's timings mean anything, and what to say about it. */
export function judgeAdapter(info: GPUAdapterInfo | null, env: NodeJS.ProcessEnv): AdapterVerdict {
  if (!info) {
    return {
      run: false, software: false,
      message: 'bench:gpu: no WebGPU adapter found (Dawn/Vulkan): this benchmark needs a real GPU. ' +
        'BENCH_GPU_ALLOW_SOFTWARE=1 runs it on SwiftShader at test sizes.',
    };
  }
  const name = describeAdapter(info);
  if (!isSoftwareAdapter(info)) return { run: true, software: false, message: `adapter: ${name}` };
  if (softwareAllowed(env)) {
    return { run: true, software: true, message: `adapter: ${name} — a software adapter, run under BENCH_GPU_ALLOW_SOFTWARE=1 at test sizes: the figures mean nothing` };
  }
  return {
    run: false, software: true,
    message: `bench:gpu: the WebGPU adapter is a software one (${name}), a CPU emulation: its timings say nothing about a GPU. ` +
      'Run it on a machine with a real GPU, or set BENCH_GPU_ALLOW_SOFTWARE=1 to run every section at test sizes.',
  };
}

export interface BenchGpuOptions {
  env: NodeJS.ProcessEnv;
  /** The adapter Dawn found (null: none). */
  found: FoundAdapter | null;
  log?: (line: string) => void;
  error?: (line: string) => void;
}

/** Runs the benchmark on `found`; returns the exit status. */
export async function runBenchGpu(o: BenchGpuOptions): Promise<number> {
  const verdict = judgeAdapter(o.found?.adapter.info ?? null, o.env);
  if (!verdict.run) {
    (o.error ?? console.error)(verdict.message);
    return EXIT_NO_REAL_GPU;
  }
  (o.log ?? console.log)(verdict.message);
  const { runGpuSections } = await import('./gpu-sections.ts');
  return runGpuSections(o.found!.gpu, verdict.software, o.env);
}

async function findNodeAdapter(env: NodeJS.ProcessEnv): Promise<FoundAdapter | null> {
  return vulkanLoaderFound(env) ? requestNodeAdapter() : null;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const env = process.env;
  const found = await findNodeAdapter(env);
  if (!found && softwareAllowed(env) && !env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    // The Vulkan loader reads its environment when the process starts: SwiftShader needs a new one.
    console.log(`bench:gpu: no GPU found; running again on SwiftShader (${SWIFTSHADER_ICD})`);
    const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: webgpuEnv(env) });
    process.exit(child.status ?? 1);
  }
  process.exit(await runBenchGpu({ env, found }));
}
