// `quant-studio plan` on every core: the sensitivity measurement in shards, one worker thread
// each (measureSensitivity's `shard`), merged into the table one thread would have measured.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { mergeSensitivityShards } from '../core/dynamic/measure-sensitivity.ts';
import type { SensitivityTable } from '../core/dynamic/sensitivity-types.ts';
import type { ModelPlan } from '../core/model/plan-types.ts';
import type { SensitivityShardJob, SensitivityShardMessage } from './sensitivity-thread.ts';

/** A thread on the shard module; from the TypeScript sources through tsx's require hook (as the quantizer pool does). */
function startThread(job: SensitivityShardJob): Worker {
  const url = new URL('./sensitivity-thread.ts', import.meta.url);
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData: job });
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  const code = `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(fileURLToPath(url))});`;
  return new Worker(code, { eval: true, workerData: job });
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
