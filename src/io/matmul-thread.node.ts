// One thread of the parallel matrix product (parallel-matmul.node.ts): waits on the control array
// for a job, computes its range of the slice's outputs into the shared y, and says it is done.
// Jobs are synchronous on both sides (Atomics), because the forward that calls them is.
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { matmulRangeInto } from '../core/forward/wasm/matmul-wasm.ts';
import { partRange, SLOT, type MatmulBuffers, type MatmulThreadData } from './matmul-protocol.node.ts';

if (!(workerData as MatmulThreadData | null)?.port) throw new Error('matmul-thread.node.ts runs as a worker thread of parallel-matmul.node.ts only');
const data = workerData as MatmulThreadData;
const port = data.port;
const control = new Int32Array(data.control);
let buffers: MatmulBuffers = data.buffers;

function runJob(): void {
  const rows = control[SLOT.rows]!;
  const cols = control[SLOT.cols]!;
  const outputs = control[SLOT.outputs]!;
  const parts = control[SLOT.parts]!;
  const { from, to } = partRange(outputs, data.part, parts);
  const first = partRange(outputs, 1, parts).from;
  const x = new Float32Array(buffers.x, 0, rows * cols);
  const w = new Float32Array(buffers.w, (from - first) * cols * 4, (to - from) * cols);
  const y = new Float32Array(buffers.y, 0, rows * outputs);
  matmulRangeInto(x, rows, cols, w, to - from, control[SLOT.sums] === 1 ? 'float' : 'double', y, outputs, from);
}

let generation = 0;
for (;;) {
  Atomics.wait(control, SLOT.generation, generation);
  generation = Atomics.load(control, SLOT.generation);
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) buffers = m.message as MatmulBuffers;
  if (Atomics.load(control, SLOT.stop) === 1) break;
  try {
    runJob();
  } catch (e) {
    port.postMessage((e as Error).stack ?? String(e));
    Atomics.store(control, SLOT.failed, 1);
  }
  Atomics.add(control, SLOT.done, 1);
  Atomics.notify(control, SLOT.done);
}
