// Where the sensitivity pass runs its layers: the same measurement logic (measure modes 'all',
// 'probe', 'layer') on the CPU reference or on the GPU. An engine runs the base model once,
// keeping the residual stream entering every layer and the final hidden state; a measurement
// then runs one layer with some of its matrices replaced, replays the later layers if it needs
// the true output, and reads log-probabilities with the output head. States are opaque handles
// (a Float32Array on the CPU, a GPUBuffer on the GPU): the measurement never looks inside them.
import type { BlockWeights } from '../forward/block-weights.ts';
import type { ForwardModel, WeightSource } from '../forward/forward-types.ts';

/** A residual stream (rows × embedding) held by an engine; only that engine reads it. */
export type ReplayState = { readonly __replayState: unique symbol };

/** The base model's log-probabilities at some rows, held by an engine as the reference of kld(). */
export type ReplayReference = { readonly __replayReference: unique symbol };

/** The block matrices a measurement replaces (the other block tensors stay the base ones). */
export type ReplacedMatrices = ReadonlyMap<keyof BlockWeights, Float32Array>;

/** What an engine did, so tests and benchmarks can see that it replays layers, not whole forwards. */
export interface ReplayCounters {
  /** Blocks run over all rows (the base pass counts layerCount). */
  layerRuns: number;
  /** Rows the output head read (each a row of vocab logits). */
  headRows: number;
  /** Bytes of weights and activations sent to the device (0 on the CPU). */
  uploadedBytes: number;
  /** Bytes read back from the device (0 on the CPU). */
  readBackBytes: number;
}

export interface ReplayEngine {
  readonly layerCount: number;
  readonly counters: ReplayCounters;
  /** The base residual stream entering `layer`; `layerCount` gives the final hidden state. Owned by the engine: never release it. */
  base(layer: number): ReplayState;
  /** The residual stream after the embeddings of a (possibly quantized) embedding table. */
  embed(table: Float32Array): Promise<ReplayState>;
  /** A new state: block `layer` run on `from` with the base weights, `replaced` substituted. */
  runLayer(layer: number, replaced: ReplacedMatrices, from: ReplayState): Promise<ReplayState>;
  /** Runs layers from..layerCount-1 with the base weights on each state, in place (states the caller owns). */
  replayFrom(from: number, states: readonly ReplayState[]): Promise<void>;
  /** The log-probabilities of the final norm and output head at `rows` of `state`, kept as a reference. */
  reference(state: ReplayState, rows: readonly number[]): Promise<ReplayReference>;
  /**
   * Mean over the reference's rows of KL(reference ‖ the head's output on `state` at those rows);
   * `output` replaces the head's matrix. The engine may compute it where the logits are (a GPU
   * reads back one float per row, not a row of the vocabulary).
   */
  kld(reference: ReplayReference, state: ReplayState, output?: Float32Array): Promise<number>;
  releaseReference(reference: ReplayReference): void;
  /** Frees a state made by embed or runLayer. */
  release(state: ReplayState): void;
  /** No later call runs layers below `layer`: their cached weights may go. */
  retireLayersBelow(layer: number): void;
  dispose(): void;
}

/** Prepares an engine: runs the base pass over `sequences` (one whole sequence per span of rows). */
export type ReplayEngineFactory = (
  model: ForwardModel, weights: WeightSource, sequences: readonly (readonly number[])[], signal?: AbortSignal,
) => Promise<ReplayEngine>;
