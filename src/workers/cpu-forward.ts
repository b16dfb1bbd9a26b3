// The CPU reference forward behind GpuForward's `run` contract, as far as calibration uses it
// (imatrix into a map, per-layer callbacks with checkpoints, resume, cancel): collectImatrixGpu's
// passes, progress and checkpoints then drive either device, and a checkpoint taken on one
// resumes on the other. Used where WebGPU is a software emulation (SwiftShader runs the WGSL
// forward slower than this loop) or when the page asks for the CPU.
import { runForward } from '../core/forward/run-forward.ts';
import { imatrixHooks } from '../core/imatrix/collect.ts';
import { copyImatrixEntry } from '../core/imatrix/imatrix-stats.ts';
import { yieldBetweenLayers } from './layer-yield.ts';
import type { GpuForward, GpuForwardOptions } from '../gpu/forward/gpu-forward.ts';

/** What a calibration needs of a forward: GpuForward or this CPU one. */
export type CalibrationForward = Pick<GpuForward, 'run'>;

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('CpuForward: cancelled');
}

/** Σx² into `options.imatrix` exactly as the CLI's collectImatrix sums it (row by row, float32). */
export function createCpuForward(): CalibrationForward {
  return {
    async run(model, weights, request, options: GpuForwardOptions = {}) {
      const { imatrix, resumeFrom, signal } = options;
      const lengths = request.sequences.map((s) => s.length);
      if (resumeFrom) {
        const same = resumeFrom.embedding === model.hparams.embedding && resumeFrom.sequenceLengths.length === lengths.length
          && lengths.every((n, i) => n === resumeFrom.sequenceLengths[i]);
        if (!same) throw new Error('CpuForward: the checkpoint was taken on other sequences or another model');
        if (imatrix) {
          imatrix.clear();
          for (const e of resumeFrom.imatrix ?? []) imatrix.set(e.name, copyImatrixEntry(e));
        }
      }
      throwIfAborted(signal);
      await runForward(model, weights, { ...request, hooks: imatrix ? imatrixHooks(imatrix) : request.hooks }, {
        resumeFrom: resumeFrom ?? undefined,
        onLayerDone: async (layer, hidden) => {
          await yieldBetweenLayers(signal);
          await options.onLayerDone?.(layer, async () => ({
            version: 1, nextLayer: layer + 1, sequenceLengths: lengths, embedding: model.hparams.embedding, hidden: hidden.slice(),
            imatrix: imatrix ? [...imatrix].map(([name, e]) => ({ name, ...copyImatrixEntry(e) })) : null,
          }));
        },
      });
    },
  };
}
