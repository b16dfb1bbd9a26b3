// Runs fuzz targets in worker threads with a watchdog: a case that does not finish in time is a
// hang, a worker that dies of heap exhaustion is a memory defect; either way the worker is replaced
// and the run goes on with the next case. Returns every target's outcome counts and examples.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DEFECTS, OUTCOMES, type Outcome } from './fuzz-types.ts';
import type { WorkerJob, WorkerMessage } from './fuzz-worker.ts';

export interface FuzzOptions {
  targets: readonly string[];
  /** Cases per target. */
  cases: number;
  /** The first case's index (to run one case again: first = its index, cases = 1). */
  first?: number;
  seed: number;
  /** Worker threads at once. */
  parallel?: number;
  /** A case running longer than this is a hang. */
  hangMs?: number;
  /** Heap limit of each worker (a case that exhausts it allocated without bound). */
  heapMb?: number;
  log?: (line: string) => void;
}

export interface TargetReport {
  target: string;
  counts: Record<Outcome, number>;
  /** Up to three cases of each defect class: index (rerun with --case) and what happened. */
  examples: { outcome: Outcome; index: number; detail: string }[];
  seconds: number;
}

function startWorker(job: WorkerJob, heapMb: number): Worker {
  const file = fileURLToPath(new URL('./fuzz-worker.ts', import.meta.url));
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  const code = `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(file)});`;
  return new Worker(code, {
    eval: true,
    workerData: job,
    resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
    stdout: true,
    stderr: true,
  });
}

async function fuzzTarget(target: string, options: Required<Omit<FuzzOptions, 'targets' | 'log'>>): Promise<TargetReport> {
  const started = performance.now();
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  const examples: TargetReport['examples'] = [];
  const record = (index: number, outcome: Outcome, detail: string) => {
    counts[outcome]++;
    if (DEFECTS.includes(outcome) && examples.filter((e) => e.outcome === outcome).length < 3) examples.push({ outcome, index, detail });
  };
  const end = options.first + options.cases;
  let next = options.first;
  while (next < end) {
    next = await new Promise<number>((resolve, reject) => {
      const worker = startWorker({ target, seed: options.seed, from: next, to: end, memoryBytes: options.heapMb * 2 ** 19 }, options.heapMb);
      let current = -1;
      let since = 0;
      let stderr = '';
      let settled = false;
      worker.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
      const finish = (resumeAt: number) => {
        if (settled) return;
        settled = true;
        clearInterval(watchdog);
        void worker.terminate();
        resolve(resumeAt);
      };
      const watchdog = setInterval(() => {
        if (current >= 0 && performance.now() - since > options.hangMs) {
          record(current, 'hang', `still running after ${options.hangMs} ms`);
          finish(current + 1);
        }
      }, 100);
      worker.on('message', (m: WorkerMessage) => {
        if (m.kind === 'start') { current = m.index; since = performance.now(); }
        else if (m.kind === 'outcome') { record(m.index, m.outcome, m.detail); current = -1; }
      });
      worker.on('error', (e: Error & { code?: string }) => {
        if (current < 0) { settled = true; clearInterval(watchdog); reject(new Error(`fuzz worker for ${target} failed outside a case: ${e.message}`)); return; }
        record(current, e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : 'raw error', `worker died: ${e.message}`);
        finish(current + 1);
      });
      worker.on('exit', (code) => {
        if (settled) return;
        if (code === 0) finish(end);
        else if (current >= 0) { record(current, 'raw error', `worker exited with ${code}: ${stderr.trim().split('\n').pop() ?? ''}`); finish(current + 1); }
        else { settled = true; clearInterval(watchdog); reject(new Error(`fuzz worker for ${target} exited with ${code}: ${stderr}`)); }
      });
    });
  }
  return { target, counts, examples, seconds: (performance.now() - started) / 1000 };
}

export async function runFuzz(options: FuzzOptions): Promise<TargetReport[]> {
  const settings = { first: options.first ?? 0, cases: options.cases, seed: options.seed, parallel: options.parallel ?? 1, hangMs: options.hangMs ?? 5000, heapMb: options.heapMb ?? 512 };
  const queue = [...options.targets];
  const reports: TargetReport[] = [];
  const lane = async () => {
    for (let t = queue.shift(); t !== undefined; t = queue.shift()) {
      const report = await fuzzTarget(t, settings);
      options.log?.(formatReport([report]).split('\n').at(-1)!);
      reports.push(report);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, settings.parallel) }, lane));
  return options.targets.map((t) => reports.find((r) => r.target === t)!);
}

/** A table: one row per target, one column per outcome class. */
export function formatReport(reports: readonly TargetReport[]): string {
  const head = ['target', 'cases', ...OUTCOMES, 'seconds'];
  const rows = reports.map((r) => [r.target, String(OUTCOMES.reduce((n, o) => n + r.counts[o], 0)), ...OUTCOMES.map((o) => String(r.counts[o])), r.seconds.toFixed(1)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

export function defectCount(reports: readonly TargetReport[]): number {
  return reports.reduce((n, r) => n + DEFECTS.reduce((m, o) => m + r.counts[o], 0), 0);
}
