// llama-imatrix's collection on the GPU forward: the chunks (token sequences) in passes of
// `sequencesPerPass`, each pass streaming the weights once, Σx² summed on the GPU. Progress is
// reported per layer; a checkpoint after each layer (and pass) lets a caller persist the state
// and resume after a lost device or a closed tab. Only `run` is used: the calibrate worker also
// drives the CPU forward through it (workers/cpu-forward.ts) where WebGPU is a software emulation.
import type { ForwardModel, WeightSource } from '../../core/forward/forward-types.ts';
import { copyImatrixEntry, type ImatrixStats } from '../../core/imatrix/imatrix-stats.ts';
import type { GpuForwardCheckpoint, ImatrixPartial } from './forward-checkpoint.ts';
import type { GpuForward } from './gpu-forward.ts';
import type { GpuWeightSource } from './gpu-weights.ts';

export interface CalibrationCheckpoint {
  version: 1;
  /** Index of the first sequence of the pass in progress (or of the next pass). */
  passStart: number;
  /** State inside that pass after a finished layer, or null at a pass boundary. */
  forward: GpuForwardCheckpoint | null;
  /** The imatrix so far (when `forward` is set, the same arrays as forward.imatrix). */
  imatrix: ImatrixPartial[];
}

export interface CalibrationProgress {
  pass: number;
  passes: number;
  /** Layers finished in the current pass. */
  layer: number;
  layers: number;
  /** Tokens processed, counting a pass's tokens pro rata by finished layers. */
  tokensDone: number;
  tokensTotal: number;
  /** Over this session's work (resumed work excluded). */
  tokensPerSecond: number;
  etaSeconds: number;
}

export interface GpuImatrixOptions {
  /** Sequences per forward pass (each pass streams the weights once); default 16. */
  sequencesPerPass?: number;
  kvCache?: 'f32' | 'f16';
  gpuWeights?: GpuWeightSource;
  signal?: AbortSignal;
  resumeFrom?: CalibrationCheckpoint;
  onProgress?: (progress: CalibrationProgress) => void;
  onCheckpoint?: (checkpoint: CalibrationCheckpoint) => void | Promise<void>;
  /** Clock for the rate (tests); default performance.now. */
  now?: () => number;
}

const partials = (entries: ImatrixStats['entries']): ImatrixPartial[] =>
  [...entries].map(([name, e]) => ({ name, ...copyImatrixEntry(e) }));

export async function collectImatrixGpu(
  forward: Pick<GpuForward, 'run'>, model: ForwardModel, weights: WeightSource, sequences: readonly (readonly number[])[], options: GpuImatrixOptions = {},
): Promise<ImatrixStats> {
  if (sequences.length === 0) throw new Error('collectImatrixGpu: no sequences to calibrate on');
  const perPass = Math.max(1, options.sequencesPerPass ?? 16);
  const layers = model.hparams.layerCount;
  const now = options.now ?? (() => performance.now());
  const tokensTotal = sequences.reduce((n, s) => n + s.length, 0);
  const passes = Math.ceil(sequences.length / perPass);
  const resume = options.resumeFrom;
  if (resume && (resume.version !== 1 || resume.passStart < 0 || resume.passStart > sequences.length || resume.passStart % perPass !== 0)) {
    throw new Error(`collectImatrixGpu: the checkpoint (pass at sequence ${resume.passStart}) does not fit ${sequences.length} sequences in passes of ${perPass}`);
  }
  const entries: ImatrixStats['entries'] = new Map((resume?.imatrix ?? []).map((e) => [e.name, copyImatrixEntry(e)]));
  const started = now();
  let firstLayer: { at: number; tokens: number } | null = null;
  let tokensBefore = 0;
  for (let c = 0; c < (resume?.passStart ?? 0); c++) tokensBefore += sequences[c]!.length;
  const resumedTokens = tokensBefore + (resume?.forward ? (resume.forward.nextLayer / layers) * resume.forward.hidden.length / model.hparams.embedding : 0);

  for (let c = resume?.passStart ?? 0; c < sequences.length; c += perPass) {
    const batch = sequences.slice(c, c + perPass);
    const batchTokens = batch.reduce((n, s) => n + s.length, 0);
    const forwardResume = c === resume?.passStart ? resume.forward ?? undefined : undefined;
    await forward.run(model, weights, { sequences: batch, kvCache: options.kvCache }, {
      imatrix: entries,
      gpuWeights: options.gpuWeights,
      signal: options.signal,
      resumeFrom: forwardResume,
      onLayerDone: async (layer, take) => {
        const tokensDone = tokensBefore + (batchTokens * (layer + 1)) / layers;
        // The rate from the first finished layer on: before it, the model is opened and the
        // embeddings looked up, which is not the pace of the rest (counted, the first estimates
        // of a 0.6B model were three times too long). The first report has only the start to go on:
        // its rate is shown, no time left is promised yet.
        const at = now();
        firstLayer ??= { at, tokens: tokensDone };
        const measured = at > firstLayer.at;
        const since = measured ? firstLayer : { at: started, tokens: resumedTokens };
        const rate = (tokensDone - since.tokens) / Math.max(1e-9, (at - since.at) / 1000);
        options.onProgress?.({
          pass: c / perPass, passes, layer: layer + 1, layers, tokensDone, tokensTotal,
          tokensPerSecond: rate, etaSeconds: measured && rate > 0 ? (tokensTotal - tokensDone) / rate : Infinity,
        });
        if (options.onCheckpoint && layer + 1 < layers) {
          const f = await take();
          await options.onCheckpoint({ version: 1, passStart: c, forward: f, imatrix: f.imatrix ?? [] });
        }
      },
    });
    tokensBefore += batchTokens;
    await options.onCheckpoint?.({ version: 1, passStart: c + perPass, forward: null, imatrix: partials(entries) });
  }
  return { entries, chunkCount: sequences.length, chunkSize: Math.max(...sequences.map((s) => s.length)) };
}
