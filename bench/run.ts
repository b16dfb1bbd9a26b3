// `npm run bench`: prints figures, never passes or fails on time.
//  1. Quantization throughput per type (MB of float32 input per second), CPU and WebGPU, on a
//     4096x4096 tensor, without and with an importance matrix.
//     Every CPU quantizer against llama-quantize, one core each (cpu-quant-speed.ts).
//  2. Peak resident memory of a CLI export of a generated model larger than 1 GB.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requestNodeAdapter } from '../src/cli/backend.ts';
import { GGML_TYPES, type GgmlTypeName } from '../src/core/ggml-type.ts';
import { cpuRowQuantizer } from '../src/core/quant/cpu-quantizer.ts';
import type { RowQuantizer } from '../src/core/quant/row-quantizer.ts';
import { runAndMeasurePeakRss } from './export-memory.ts';
import { generateLlamaModel } from '../test/helpers/generate-model.ts';
import { benchCalibration } from './calibration.ts';
import { benchCalibrationGpu } from './calibration-gpu.ts';
import { hubDownloadBench } from './hub-download.ts';
import { ALL_TYPES, cpuQuantSpeed } from './cpu-quant-speed.ts';
import { compareWithLlamaQuantize } from './llama-quantize-compare.ts';
import { gaussianMatrix, measureThroughput } from './quant-throughput.ts';

const TYPES = ALL_TYPES;
const ROWS = 4096;
const COLS = 4096;
/** GPU rows measured when the adapter is a CPU emulation (SwiftShader): the full tensor would take many minutes. */
const SOFTWARE_GPU_ROWS = Number(process.env.BENCH_SOFTWARE_GPU_ROWS ?? 256);
const MB = 1e6;
const REPO = path.resolve(import.meta.dirname, '..');

async function openGpu(): Promise<{ quantizer: RowQuantizer; name: string; software: boolean; dispose(): void } | null> {
  try {
    const found = await requestNodeAdapter();
    if (!found) return null;
    const { describeAdapter, isSoftwareAdapter, requestQuantDevice } = await import('../src/gpu/device.ts');
    const { createGpuRowQuantizer } = await import('../src/gpu/gpu-quantizer.ts');
    const device = await requestQuantDevice(found.gpu);
    const info = found.adapter.info;
    return { quantizer: createGpuRowQuantizer(device), name: describeAdapter(info), software: isSoftwareAdapter(info), dispose: () => device.destroy() };
  } catch (e) {
    console.log(`WebGPU unavailable: ${(e as Error).message}`);
    return null;
  }
}

async function throughputTable(): Promise<void> {
  const src = gaussianMatrix(ROWS, COLS);
  const imatrix = new Float32Array(COLS).map((_, i) => 0.5 + ((i * 7919) % 1000) / 500);
  const gpu = await openGpu();
  const gpuRows = gpu?.software ? SOFTWARE_GPU_ROWS : ROWS;
  console.log(`\n## Quantization throughput, ${ROWS}x${COLS} float32 (${(src.byteLength / MB).toFixed(0)} MB)`);
  console.log(`GPU: ${gpu ? gpu.name : 'none'}${gpu?.software ? ` (a CPU emulation: measured on the first ${gpuRows} rows)` : ''}`);
  console.log('| type | imatrix | CPU MB/s | GPU MB/s | GPU/CPU |');
  console.log('|---|---|---:|---:|---:|');
  for (const type of TYPES) {
    const variants = GGML_TYPES[type].quantizerNeedsImatrix ? [true] : GGML_TYPES[type].quantizerUsesImatrix ? [false, true] : [false];
    for (const withImatrix of variants) {
      const im = withImatrix ? imatrix : null;
      const cpu = await measureThroughput(cpuRowQuantizer, type, src, COLS, im);
      const g = gpu?.quantizer.supports(type) ? await measureThroughput(gpu.quantizer, type, src, COLS, im, gpuRows) : null;
      console.log(
        `| ${type} | ${withImatrix ? 'yes' : 'no'} | ${cpu.mbPerSecond.toFixed(1)} | ${g ? g.mbPerSecond.toFixed(1) : '—'} | ${g ? (g.mbPerSecond / cpu.mbPerSecond).toFixed(2) : '—'} |`,
      );
    }
  }
  gpu?.dispose();
}

async function exportMemory(): Promise<void> {
  const cli = path.join(REPO, 'bin/quant-studio.mjs');
  const baseline = await runAndMeasurePeakRss(process.execPath, [cli, '--help']);
  console.log(`\n## Export memory (CLI, CPU backend); the CLI process alone (--help) peaks at ${(baseline.peakRss / MB).toFixed(0)} MB`);
  console.log('| model | float32 MB | largest tensor MB | type | peak RSS MB | seconds | output MB |');
  console.log('|---|---:|---:|---|---:|---:|---:|');
  // Two models, the second twice the first: the peak must not grow with the model.
  for (const layers of [7, 14]) {
    const dir = await mkdtemp(path.join(tmpdir(), 'bench-model-'));
    try {
      const shape = { hidden: 2048, intermediate: 5632, layers, heads: 16, kvHeads: 4, vocab: 512 };
      const modelBytes = await generateLlamaModel(dir, shape, { tokenizerFrom: path.resolve(REPO, '../shared/fixtures/stories260K') });
      const largest = shape.intermediate * shape.hidden * 4;
      for (const type of ['Q8_0', 'Q4_K_M']) {
        const out = path.join(dir, `out-${type}.gguf`);
        const r = await runAndMeasurePeakRss(process.execPath, [cli, 'quantize', dir, '--type', type, '--backend', 'cpu', '-o', out]);
        const size = (await stat(out)).size;
        console.log(`| ${layers} layers | ${(modelBytes / MB).toFixed(0)} | ${(largest / MB).toFixed(1)} | ${type} | ${(r.peakRss / MB).toFixed(0)} | ${r.seconds.toFixed(1)} | ${(size / MB).toFixed(0)} |`);
        await rm(out);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** `BENCH=throughput,llama,cpu,memory,hub,calibration` picks sections (default: all). */
const sections = new Set((process.env.BENCH ?? 'throughput,llama,cpu,memory,hub,calibration').split(','));
if (sections.has('throughput')) await throughputTable();
if (sections.has('llama')) {
  await compareWithLlamaQuantize(4096, 4096, TYPES);
  // Every type on the 151936-row tensor takes long on the CPU path: a representative set by default.
  const bigTypes = process.env.BENCH_BIG_TYPES ? (process.env.BENCH_BIG_TYPES.split(',') as GgmlTypeName[]) : (['Q8_0', 'Q6_K', 'Q4_K', 'Q4_0', 'IQ4_XS'] as GgmlTypeName[]);
  await compareWithLlamaQuantize(151936, 1024, bigTypes);
}
if (sections.has('cpu')) await cpuQuantSpeed(512, 4096, TYPES);
if (sections.has('memory')) await exportMemory();
if (sections.has('hub')) await hubDownloadBench();
if (sections.has('calibration')) {
  await benchCalibration();
  await benchCalibrationGpu();
}
