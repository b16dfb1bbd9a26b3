// bench:gpu's sections (bench/gpu.ts): the sizes for a real GPU and for a software adapter, what
// the sections share (the generated models, our BF16 exports that llama.cpp's tools read, one
// device), and the wall time of the set-up and of each section.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseGgmlTypeName, type GgmlTypeName } from '../src/core/ggml-type.ts';
import { requestQuantDevice } from '../src/gpu/device.ts';
import { createGpuForward } from '../src/gpu/forward/gpu-forward.ts';
import { createGpuRowDequantizer } from '../src/gpu/gpu-dequantizer.ts';
import { createGpuRowQuantizer } from '../src/gpu/gpu-quantizer.ts';
import { llamaToolPath } from '../test/helpers/llama-tools.ts';
import { STORIES260K, TEXT } from '../test/helpers/paths.ts';
import type { SizeModelName } from '../test/size-models/shapes.ts';
import { sizeModel } from '../test/size-models/size-models.ts';
import { benchGpuCalibration } from './gpu-calibration.ts';
import { benchGpuQuantize } from './gpu-quantize.ts';
import { benchGpuSensitivity } from './gpu-sensitivity.ts';
import { benchGpuHubExport } from './hub-download.ts';
import { timeProcess } from './llama-quantize-compare.ts';

const CLI = path.resolve(import.meta.dirname, '../bin/quant-studio.mjs');
const TEXT_FILE = path.join(TEXT, 'wiki.test.raw');
const SECTIONS = ['quantize', 'calibration', 'sensitivity', 'export'] as const;
/** What a run of all four sections should take on a real GPU (the set-up aside). */
const GOAL_SECONDS = 300;

interface Model { label: string; folder: () => Promise<string> }
const size = (name: SizeModelName): Model => ({ label: name, folder: () => sizeModel(name) });
const STORIES: Model = { label: 'stories260K', folder: async () => STORIES260K };

interface Sizes {
  quantize: { model: Model; layers: number; rows: number | null; types: GgmlTypeName[] | null };
  calibration: { model: Model; context: number; chunks: number };
  sensitivity: { model: Model; context: number; chunks: number; candidates?: GgmlTypeName[]; errorRows?: number; budgetSeconds: number };
  export: { model: Model; type: string; extraArgs: string[] };
}

function typesFromEnv(value: string | undefined): GgmlTypeName[] | null {
  if (!value) return null;
  return value.split(',').map((s) => parseGgmlTypeName(s.trim()) ?? (() => { throw new Error(`BENCH_GPU_TYPES: unknown type "${s}"`); })());
}

function sizesFor(software: boolean, env: NodeJS.ProcessEnv): Sizes {
  const budgetSeconds = Number(env.BENCH_GPU_SENSITIVITY_S ?? 60);
  const types = typesFromEnv(env.BENCH_GPU_TYPES);
  if (!software) {
    const qwen = size('qwen3-0.6b');
    return {
      quantize: { model: qwen, layers: Number(env.BENCH_GPU_LAYERS ?? 2), rows: null, types },
      calibration: { model: qwen, context: 512, chunks: 4 },
      sensitivity: { model: qwen, context: 128, chunks: 2, budgetSeconds },
      export: { model: size('llama-3.2-1b'), type: 'Q4_K_M', extraArgs: [] },
    };
  }
  // A CPU emulation compiles each kernel for seconds to a minute, and a SmolLM2-135M forward of
  // 8 tokens takes minutes: a few types, rows and tokens, and stories260K for the forward.
  const smol = size('smollm2-135m');
  return {
    quantize: { model: smol, layers: Number(env.BENCH_GPU_LAYERS ?? 1), rows: 8, types: types ?? ['Q8_0', 'Q6_K', 'Q5_0', 'MXFP4', 'TQ2_0'] },
    calibration: { model: STORIES, context: 16, chunks: 1 },
    sensitivity: { model: STORIES, context: 16, chunks: 1, candidates: ['Q5_0', 'Q8_0'], errorRows: 4, budgetSeconds },
    // Only layer 0 is quantized (on the GPU); the rest is copied as BF16.
    export: { model: smol, type: 'Q8_0', extraArgs: ['--pure', '--token-embedding-type', 'bf16', '--tensor-type', 'blk\\.([1-9]|[12][0-9])\\.=bf16'] },
  };
}

/** Runs the chosen sections on `gpu`'s adapter; returns the exit status (1 when bytes differ). */
export async function runGpuSections(gpu: GPU, software: boolean, env: NodeJS.ProcessEnv): Promise<number> {
  const chosen = new Set((env.BENCH_GPU ?? SECTIONS.join(',')).split(',').map((s) => s.trim()));
  for (const s of chosen) if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`BENCH_GPU: unknown section "${s}" (${SECTIONS.join(', ')})`);
  const sizes = sizesFor(software, env);
  const times: [string, number][] = [];
  const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      times.push([label, (performance.now() - started) / 1000]);
    }
  };
  const work = await mkdtemp(path.join(tmpdir(), 'bench-gpu-'));
  const device = await requestQuantDevice(gpu);
  const quantizer = createGpuRowQuantizer(device);
  const forward = createGpuForward(device, { dequantizer: createGpuRowDequantizer(device) });
  let differing = 0;
  try {
    // Set-up: generated models (written once into the cache), llama.cpp's tools (built once) and
    // the BF16 GGUF exports llama-quantize and llama-imatrix read.
    const setup = await timed('set-up: models, llama.cpp tools, BF16 exports', async () => {
      const bf16 = new Map<string, string>();
      const bf16Of = async (m: Model) => {
        if (!bf16.has(m.label)) {
          const out = path.join(work, `${m.label}-BF16.gguf`);
          await timeProcess(process.execPath, [CLI, 'quantize', await m.folder(), '--type', 'BF16', '--backend', 'cpu', '-o', out]);
          bf16.set(m.label, out);
        }
        return bf16.get(m.label)!;
      };
      llamaToolPath('llama-quantize');
      return {
        quantize: chosen.has('quantize') ? { folder: await sizes.quantize.model.folder(), gguf: await bf16Of(sizes.quantize.model) } : null,
        calibration: chosen.has('calibration') ? { folder: await sizes.calibration.model.folder(), gguf: await bf16Of(sizes.calibration.model) } : null,
        sensitivity: chosen.has('sensitivity') ? await sizes.sensitivity.model.folder() : null,
        export: chosen.has('export') ? await sizes.export.model.folder() : null,
      };
    });
    if (setup.quantize) {
      const q = sizes.quantize;
      differing = await timed('1. quantize', () => benchGpuQuantize({
        label: q.model.label, folder: setup.quantize!.folder, bf16Gguf: setup.quantize!.gguf, work, layers: q.layers, rows: q.rows, types: q.types, quantizer,
      }));
    }
    let imatrixFile: string | null = null;
    if (setup.calibration) {
      const c = sizes.calibration;
      imatrixFile = await timed('2. calibration', () => benchGpuCalibration({
        label: c.model.label, folder: setup.calibration!.folder, bf16Gguf: setup.calibration!.gguf, textFile: TEXT_FILE, context: c.context, chunks: c.chunks, forward, work,
      }));
    }
    if (setup.sensitivity) {
      const s = sizes.sensitivity;
      // Section 2's importance matrix is for its own model.
      const imatrix = s.model === sizes.calibration.model ? imatrixFile : null;
      await timed('3. sensitivity', () => benchGpuSensitivity({
        label: s.model.label, folder: setup.sensitivity!, textFile: TEXT_FILE, context: s.context, chunks: s.chunks, imatrixFile: imatrix,
        quantizer, device, candidates: s.candidates, errorRows: s.errorRows, budgetSeconds: s.budgetSeconds,
      }));
    }
    if (setup.export) {
      const e = sizes.export;
      await timed('4. export', () => benchGpuHubExport({ label: e.model.label, dir: setup.export!, type: e.type, extraArgs: e.extraArgs, work }));
    }
  } finally {
    forward.dispose();
    quantizer.dispose();
    device.destroy();
    await rm(work, { recursive: true, force: true });
  }
  const sections = times.filter(([label]) => !label.startsWith('set-up')).reduce((n, [, s]) => n + s, 0);
  console.log('\n## Wall time');
  console.log('| part | seconds |');
  console.log('|---|---:|');
  for (const [label, seconds] of times) console.log(`| ${label} | ${seconds.toFixed(1)} |`);
  console.log(`| sections together${software ? '' : ` (goal: within ${GOAL_SECONDS} s)`} | ${sections.toFixed(1)} |`);
  if (differing) console.error(`bench:gpu: ${differing} tensor${differing === 1 ? '' : 's'} differ from llama-quantize's bytes (section 1)`);
  return differing ? 1 : 0;
}
