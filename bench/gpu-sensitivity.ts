// bench:gpu section 3: the wall time of the sensitivity measurement on the GPU path, as the
// studio's dynamic worker runs it with the GPU backend: measureSensitivity in mode 'layer' with
// the WebGPU layer replay (gpu-layer-replay.ts) and the GPU quantizer, on held-out chunks taken from the
// end of the text as the plan command takes them. A measurement that outlasts the budget is
// stopped after at least one KL measurement, and the whole one is projected from each stage's rate.
import { readFile } from 'node:fs/promises';
import { loadImatrix } from '../src/cli/commands/quantize.ts';
import { candidateTypesFor, DEFAULT_CANDIDATES } from '../src/core/dynamic/candidate-types.ts';
import { measureSensitivity } from '../src/core/dynamic/measure-sensitivity.ts';
import { chunkTokens } from '../src/core/forward/chunks.ts';
import { forwardModelFromPlan } from '../src/core/forward/forward-model.ts';
import { loadTextTokenizer } from '../src/core/forward/tokenize.ts';
import { planWeights } from '../src/core/forward/weights.ts';
import type { GgmlTypeName } from '../src/core/ggml-type.ts';
import { planModel } from '../src/core/model/plan-model.ts';
import type { RowQuantizer } from '../src/core/quant/row-quantizer.ts';
import type { ReplayEngine } from '../src/core/dynamic/replay-engine.ts';
import { gpuLayerReplay } from '../src/gpu/forward/gpu-layer-replay.ts';
import { nodeModelFiles } from '../src/io/node-files.node.ts';

export interface GpuSensitivityBench {
  label: string;
  folder: string;
  textFile: string;
  context: number;
  chunks: number;
  /** An imatrix GGUF (section 2's), or null. */
  imatrixFile: string | null;
  quantizer: RowQuantizer;
  device: GPUDevice;
  candidates?: readonly GgmlTypeName[];
  /** Rows sampled for the weighted error (measureSensitivity's errorRows); default its own. */
  errorRows?: number;
  budgetSeconds: number;
}

export async function benchGpuSensitivity(o: GpuSensitivityBench): Promise<void> {
  const candidates = o.candidates ?? DEFAULT_CANDIDATES;
  const files = await nodeModelFiles(o.folder);
  const abort = new AbortController();
  const started = performance.now();
  const at = { base: 0, firstKld: 0, lastKld: 0 };
  let kldDone = 0;
  let kldTotal = 0;
  let errorUnits = 0;
  let complete = false;
  let engine: ReplayEngine | null = null;
  try {
    const plan = await planModel(files);
    const tokenizer = await loadTextTokenizer(files);
    const text = await readFile(o.textFile, 'utf8');
    const sequences = chunkTokens(tokenizer.encode(text), { contextSize: o.context, bos: tokenizer.bos }).slice(-o.chunks);
    const imatrix = o.imatrixFile ? (await loadImatrix(o.imatrixFile)).entries : null;
    errorUnits = plan.tensors.reduce((n, t) => n + candidateTypesFor(t, candidates, imatrix !== null).length, 0);
    console.log(`\n## 3. Sensitivity: ${o.label}, measureSensitivity on the WebGPU forward and the GPU quantizer (measure: layer)`);
    console.log(`${o.chunks} held-out chunk${o.chunks === 1 ? '' : 's'} of ${o.context} tokens (the plan command's default: 8 of 128), candidates ${candidates.join(', ')}, ` +
      `${imatrix ? 'imatrix from section 2' : 'no imatrix'}${o.errorRows ? `, weighted error on ${o.errorRows} rows a tensor` : ''}; stopped after ${o.budgetSeconds} s (BENCH_GPU_SENSITIVITY_S)`);
    const table = measureSensitivity({
      plan, model: forwardModelFromPlan(plan), weights: planWeights(plan, files), quantizer: o.quantizer, imatrix, sequences,
      key: { model: o.label, calibration: null, imatrix: null }, candidates, measure: 'layer', errorRows: o.errorRows,
      replay: async (...args) => (engine = await gpuLayerReplay(o.device)(...args)), signal: abort.signal,
      onProgress: (p) => {
        const now = performance.now();
        if (p.stage === 'base') at.base ||= now;
        if (p.stage === 'kld') {
          at.firstKld ||= now;
          at.lastKld = now;
          kldDone = p.done - errorUnits;
          kldTotal = p.total - errorUnits;
        }
        const elapsed = (now - started) / 1000;
        if (elapsed > o.budgetSeconds && (kldDone >= 1 || elapsed > 3 * o.budgetSeconds)) abort.abort(new Error('bench:gpu: the sensitivity budget is spent'));
      },
    });
    complete = await table.then(() => true, (e: unknown) => {
      if (abort.signal.aborted) return false;
      throw e;
    });
  } finally {
    await files.close();
  }
  const wall = (performance.now() - started) / 1000;
  const s = (from: number, to: number) => (to && from ? (to - from) / 1000 : NaN);
  const errorSeconds = s(started, at.base);
  const baseSeconds = s(at.base, at.firstKld);
  const perKld = kldDone > 0 ? s(at.firstKld, at.lastKld) / kldDone : NaN;
  const f = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
  console.log('| stage | done | seconds | seconds each |');
  console.log('|---|---:|---:|---:|');
  console.log(`| weighted error (every tensor × candidate) | ${at.base ? `${errorUnits}/${errorUnits}` : `…/${errorUnits}`} | ${f(errorSeconds)} | ${f(errorSeconds / errorUnits, 3)} |`);
  console.log(`| base forward | ${at.firstKld ? 1 : 0}/1 | ${f(baseSeconds)} | — |`);
  console.log(`| KL (own layer + head on ${'≤'}64 rows; one replay per layer calibrates) | ${kldDone}/${kldTotal || '…'} | ${f(s(at.firstKld, at.lastKld))} | ${f(perKld, 2)} |`);
  const c = (engine as ReplayEngine | null)?.counters;
  if (c) console.log(`layer runs ${c.layerRuns}, head rows ${c.headRows}, uploaded ${(c.uploadedBytes / 1e9).toFixed(2)} GB, read back ${(c.readBackBytes / 1e3).toFixed(1)} kB`);
  const projected = errorSeconds + baseSeconds + perKld * kldTotal;
  console.log(complete
    ? `wall time: ${wall.toFixed(1)} s, complete`
    : `wall time: ${wall.toFixed(1)} s, stopped at the budget; the whole measurement projected from these rates: ${f(projected, 0)} s`);
}
