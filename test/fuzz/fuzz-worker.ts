// One worker thread runs a range of cases of one target and reports each case's start (so the
// parent can tell a hang) and its outcome. A case's input comes from its own seeded stream, so any
// case can be run again alone by its index.
import { parentPort, workerData } from 'node:worker_threads';
import { classifyError } from './classify.ts';
import { FuzzRng, type Outcome } from './fuzz-types.ts';
import { caseSeed, FUZZ_TARGETS } from './targets/index.ts';

export interface WorkerJob {
  target: string;
  seed: number;
  from: number;
  to: number;
  /** A case that leaves more than this many bytes of buffers and heap behind allocated without bound. */
  memoryBytes: number;
}

export type WorkerMessage =
  | { kind: 'ready' }
  | { kind: 'start'; index: number }
  | { kind: 'outcome'; index: number; outcome: Outcome; detail: string };

const job = workerData as WorkerJob;
const port = parentPort!;

function usedBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

async function main(): Promise<void> {
  const target = FUZZ_TARGETS.find((t) => t.name === job.target);
  if (!target) throw new Error(`no fuzz target "${job.target}"`);
  const generate = await target.prepare();
  port.postMessage({ kind: 'ready' } satisfies WorkerMessage);
  for (let index = job.from; index < job.to; index++) {
    const before = usedBytes();
    port.postMessage({ kind: 'start', index } satisfies WorkerMessage);
    let outcome: Outcome;
    let detail = '';
    try {
      const fuzzCase = generate(new FuzzRng(caseSeed(job.seed, job.target, index)));
      const accepted = await fuzzCase.run();
      const wrong = fuzzCase.check?.(accepted) ?? null;
      outcome = wrong ? 'accepted but wrong' : 'accepted';
      detail = wrong ?? '';
    } catch (error) {
      ({ outcome, detail } = classifyError(error, target.errorNames));
    }
    const grown = usedBytes() - before;
    if (grown > job.memoryBytes && outcome !== 'memory') {
      outcome = 'memory';
      detail = `${Math.round(grown / 2 ** 20)} MiB held after the case (${detail || 'accepted'})`;
    }
    port.postMessage({ kind: 'outcome', index, outcome, detail } satisfies WorkerMessage);
    if (grown > job.memoryBytes / 4) (globalThis as { gc?: () => void }).gc?.();
  }
}

main().then(() => process.exit(0), (e: unknown) => {
  console.error(e);
  process.exit(3);
});
