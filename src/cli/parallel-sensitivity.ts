// `quant-studio plan` on every core: the sensitivity measurement in shards, one worker thread
// each (measureSensitivity's `shard`), merged into the table one thread would have measured.
import type { Worker } from 'node:worker_threads';
import { mergeSensitivityShards } from '../core/dynamic/measure-sensitivity.ts';
import type { SensitivityTable } from '../core/dynamic/sensitivity-types.ts';
import type { ModelPlan } from '../core/model/plan-types.ts';
import type { SensitivityShardJob, SensitivityShardMessage } from './sensitivity-thread.ts';
import { startModuleWorker } from '../io/ts-worker.node.ts';

/** A thread on the shard module. */
function startThread(job: SensitivityShardJob): Worker {
  return startModuleWorker(new URL('./sensitivity-thread.ts', import.meta.url), { workerData: job });
}

export async function measureSensitivityInThreads(
  plan: ModelPlan, job: Omit<SensitivityShardJob, 'shard'>, threads: number, onProgress?: (done: number, total: number) => void,
): Promise<SensitivityTable> {
  const progress = Array.from({ length: threads }, () => ({ done: 0, total: 0 }));
  const workers: Worker[] = [];
  const shard = (index: number) => new Promise<SensitivityTable>((resolve, reject) => {
    const worker = startThread({ ...job, shard: { index, count: threads } });
    workers.push(worker);
    worker.on('message', (m: SensitivityShardMessage) => {
      if (m.kind === 'progress') {
        progress[index] = { done: m.done, total: m.total };
        onProgress?.(progress.reduce((s, p) => s + p.done, 0), progress.reduce((s, p) => s + p.total, 0));
      } else if (m.kind === 'done') resolve(m.table);
      else reject(new Error(m.message));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`sensitivity thread ${index} exited with code ${code}`)));
  });
  try {
    return mergeSensitivityShards(plan, await Promise.all(Array.from({ length: threads }, (_, i) => shard(i))));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
