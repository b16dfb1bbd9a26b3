// One shard of `quant-studio plan`'s sensitivity measurement, in a worker thread: it opens the
// model (folder or GGUF) itself, measures its share of the tensors on the CPU and posts the partial table
// (parallel-sensitivity.ts starts the threads and merges their tables).
import { parentPort, workerData } from 'node:worker_threads';
import { measureSensitivity } from '../core/dynamic/measure-sensitivity.ts';
import type { MeasureMode } from '../core/dynamic/sensitivity-types.ts';
import { forwardModelFromPlan } from '../core/forward/forward-model.ts';
import { planWeights } from '../core/forward/weights.ts';
import type { GgmlTypeName } from '../core/ggml-type.ts';
import { planModel } from '../core/model/plan-model.ts';
import { cpuRowQuantizer } from '../core/quant/cpu-quantizer.ts';
import { openModelSource } from './model-source.ts';

export interface SensitivityShardJob {
  /** The model as given on the command line: a folder or a GGUF file. */
  folder: string;
  imatrix: Map<string, Float32Array> | null;
  sequences: number[][];
  key: { model: string; calibration: string | null; imatrix: string | null };
  candidates: GgmlTypeName[];
  measure: MeasureMode;
  shard: { index: number; count: number };
}

export type SensitivityShardMessage =
  | { kind: 'progress'; done: number; total: number }
  | { kind: 'done'; table: Awaited<ReturnType<typeof measureSensitivity>> }
  | { kind: 'error'; message: string };

async function run(job: SensitivityShardJob): Promise<void> {
  const files = await openModelSource(job.folder);
  try {
    const plan = await planModel(files);
    const table = await measureSensitivity({
      plan, model: forwardModelFromPlan(plan), weights: planWeights(plan, files), quantizer: cpuRowQuantizer,
      imatrix: job.imatrix, sequences: job.sequences, key: job.key, candidates: job.candidates, measure: job.measure,
      shard: job.shard,
      onProgress: (p) => parentPort!.postMessage({ kind: 'progress', done: p.done, total: p.total } satisfies SensitivityShardMessage),
    });
    parentPort!.postMessage({ kind: 'done', table } satisfies SensitivityShardMessage);
  } finally {
    await files.close();
  }
}

run(workerData as SensitivityShardJob).catch((e: Error) => parentPort!.postMessage({ kind: 'error', message: e.message } satisfies SensitivityShardMessage));
