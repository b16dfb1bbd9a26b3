// The output head of the GPU layer replay: final norm and head matmul at chosen rows of a
// resident residual stream, in chunks of at most HEAD_ROWS rows (each chunk's logits are
// rows × vocab floats). The base model's log-probabilities stay on the GPU as the reference, and
// a measurement's KL against them is summed there (log-softmax-kl.wgsl): one float per row is
// read back, not a row of the vocabulary (151936 floats on Qwen3).
import type { ForwardHparams } from '../../core/forward/forward-types.ts';
import type { ReplayCounters } from '../../core/dynamic/replay-engine.ts';
import { dispatchGrid } from '../dispatch-grid.ts';
import type { DispatchRecorder } from './forward-kernels.ts';
import { matmulRows, rmsNormRows } from './forward-ops.ts';
import type { GpuWeight } from './gpu-weights.ts';

const HEAD_ROWS = 64;

/** The base log-probabilities at some rows, one buffer per chunk of rows. */
export interface HeadReference {
  rows: readonly number[];
  chunks: GPUBuffer[];
}

export interface ReplayHead {
  reference(hidden: GPUBuffer, rows: readonly number[]): Promise<HeadReference>;
  kld(reference: HeadReference, hidden: GPUBuffer, output?: GpuWeight): Promise<number>;
  dispose(): void;
}

export interface ReplayHeadArgs {
  device: GPUDevice;
  rec: DispatchRecorder;
  hp: ForwardHparams;
  norm: GpuWeight;
  output: GpuWeight;
  /** Any small buffer, bound where a kernel has nothing to read. */
  placeholder: GPUBuffer;
  counters: ReplayCounters;
}

export function createReplayHead(a: ReplayHeadArgs): ReplayHead {
  const { device, rec, hp } = a;
  const E = hp.embedding;
  const vocab = hp.vocabSize;
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  const chunkRows = Math.min(HEAD_ROWS, Math.floor(limit / (vocab * 4)));
  if (chunkRows < 1) throw new Error(`GpuLayerReplay: one row of ${vocab} logits exceeds this device's largest storage binding (${limit} bytes)`);
  const { STORAGE, COPY_SRC, COPY_DST } = GPUBufferUsage;
  const x = device.createBuffer({ label: 'GpuLayerReplay.headX', size: chunkRows * E * 4, usage: STORAGE });
  const logits = device.createBuffer({ label: 'GpuLayerReplay.logits', size: chunkRows * vocab * 4, usage: STORAGE | COPY_SRC });
  let kl: GPUBuffer | null = null;
  const klBuffer = (rows: number) => {
    if (!kl || kl.size < rows * 4) {
      kl?.destroy();
      kl = device.createBuffer({ label: 'GpuLayerReplay.kl', size: Math.max(16, rows * 4), usage: STORAGE | COPY_SRC });
    }
    return kl;
  };

  /** Logits of rows[from..from+n) into `dst` (n × vocab). Consecutive rows are normed in one dispatch. */
  const logitsOf = async (hidden: GPUBuffer, rows: readonly number[], from: number, n: number, output: GpuWeight, dst: GPUBuffer) => {
    for (let i = 0; i < n;) {
      let run = 1;
      while (i + run < n && rows[from + i + run] === rows[from + i]! + run) run++;
      await rmsNormRows(rec, { src: hidden, srcOffset: rows[from + i]! * E, rows: run, cols: E, weight: a.norm, dst: x, dstOffset: i * E, eps: hp.rmsEps, accumulate: false });
      i += run;
    }
    await matmulRows(rec, { x, xOffset: 0, rows: n, weight: output, y: dst, yOffset: 0, outStride: vocab, accumulate: false, softcap: hp.finalSoftcap, scale: hp.logitScale ?? 1, placeholder: a.placeholder });
    a.counters.headRows += n;
  };
  const logSoftmaxKl = (target: GPUBuffer, rows: number, reference: GPUBuffer, out: GPUBuffer, mode: 0 | 1, klOffset: number) =>
    rec.dispatch({ kind: 'logSoftmaxKl' }, [target, reference, out], [rows, vocab, mode, klOffset], dispatchGrid(rows, 1));

  return {
    async reference(hidden, rows) {
      const chunks: GPUBuffer[] = [];
      try {
        for (let from = 0; from < rows.length; from += chunkRows) {
          const n = Math.min(chunkRows, rows.length - from);
          const chunk = device.createBuffer({ label: 'GpuLayerReplay.reference', size: n * vocab * 4, usage: STORAGE });
          chunks.push(chunk);
          await logitsOf(hidden, rows, from, n, a.output, chunk);
          await logSoftmaxKl(chunk, n, a.placeholder, klBuffer(rows.length), 0, 0);
        }
        rec.submit();
      } catch (e) {
        for (const c of chunks) c.destroy();
        throw e;
      }
      return { rows, chunks };
    },

    async kld(reference, hidden, output) {
      const rows = reference.rows;
      const out = klBuffer(rows.length);
      for (const [i, chunk] of reference.chunks.entries()) {
        const from = i * chunkRows;
        const n = Math.min(chunkRows, rows.length - from);
        await logitsOf(hidden, rows, from, n, output ?? a.output, logits);
        await logSoftmaxKl(logits, n, chunk, out, 1, from);
      }
      const bytes = rows.length * 4;
      const readback = device.createBuffer({ label: 'GpuLayerReplay.klReadback', size: Math.max(16, bytes), usage: GPUBufferUsage.MAP_READ | COPY_DST });
      try {
        rec.copy(out, 0, readback, 0, bytes);
        rec.submit();
        await readback.mapAsync(GPUMapMode.READ, 0, bytes);
        const perRow = new Float32Array(readback.getMappedRange(0, bytes));
        a.counters.readBackBytes += bytes;
        let total = 0;
        for (const v of perRow) total += v;
        return rows.length ? Math.max(0, total / rows.length) : 0;
      } finally {
        readback.destroy();
      }
    },

    dispose() {
      x.destroy();
      logits.destroy();
      kl?.destroy();
    },
  };
}
