// One thread of the parallel CPU quantizer (parallel-quantizer.node.ts): quantizes a range of rows
// from the shared input buffer into its place in the shared output buffer, and says when it is
// done. BF16 input is widened here, a few rows at a time into a small float32 scratch buffer
// (kept in cache, and a thread holds kilobytes, not a float32 copy of its part).
import { parentPort } from 'node:worker_threads';
import { decodeBf16Into } from '../core/model/tensor-values.ts';
import { quantizeRowsCpuInto } from '../core/quant/cpu-quantizer.ts';
import type { QuantizerJob, QuantizerJobResult } from './quantizer-protocol.node.ts';

const port = parentPort;
if (!port) throw new Error('quantizer-thread.node.ts runs as a worker thread only');

/** Float32 values widened at a time (256 KB), rounded to whole rows. */
const SCRATCH_VALUES = 1 << 16;
// Only ever written by decodeBf16Into, whose low halves stay zero, so it needs no clearing.
let scratch = new Float32Array(0);

/** Quantizes the job's rows; false (the output unfinished) when a BF16 value is Inf or NaN. */
function quantizeJob(job: QuantizerJob): boolean {
  const dst = new Uint8Array(job.output, job.dstOffset, job.dstLength);
  if (job.format === 'f32') {
    quantizeRowsCpuInto(job.type, new Float32Array(job.input, job.srcOffset * 4, job.srcLength), job.cols, job.imatrix, dst);
    return true;
  }
  const src = new Uint16Array(job.input, job.srcOffset * 2, job.srcLength);
  const rows = job.srcLength / job.cols;
  const rowBytes = job.dstLength / rows;
  const step = Math.max(1, Math.floor(SCRATCH_VALUES / job.cols));
  if (scratch.length < step * job.cols) scratch = new Float32Array(step * job.cols);
  for (let r = 0; r < rows; r += step) {
    const count = Math.min(step, rows - r);
    const values = scratch.subarray(0, count * job.cols);
    // A bad value stops the job: the caller discards what was written and locates the value.
    if (!decodeBf16Into(src.subarray(r * job.cols, (r + count) * job.cols), values)) return false;
    quantizeRowsCpuInto(job.type, values, job.cols, job.imatrix, dst.subarray(r * rowBytes, (r + count) * rowBytes));
  }
  return true;
}

port.on('message', (job: QuantizerJob) => {
  let result: QuantizerJobResult;
  try {
    result = { id: job.id, error: null, finite: quantizeJob(job) };
  } catch (e) {
    result = { id: job.id, error: e instanceof Error ? e.message : String(e), finite: true };
  }
  port.postMessage(result);
});
