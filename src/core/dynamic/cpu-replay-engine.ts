// The replay engine on the CPU reference forward (layer-replay.ts): states are Float32Arrays of
// rows × embedding, and every figure is what the layer replay computed before engines existed.
import type { BlockWeights } from '../forward/block-weights.ts';
import { outputNormTensor } from '../forward/forward-model.ts';
import { embed, loadLayer, prepareReplay, runLayer, tensorOf } from './layer-replay.ts';
import { logitsAt, meanKld, toLogProbs } from './output-kld.ts';
import type { ReplayCounters, ReplayEngine, ReplayEngineFactory, ReplayReference, ReplayState } from './replay-engine.ts';

const asState = (h: Float32Array) => h as unknown as ReplayState;
const hiddenOf = (s: ReplayState) => s as unknown as Float32Array;
interface Reference { rows: readonly number[]; logProbs: Float32Array }

export const cpuReplayEngine: ReplayEngineFactory = async (model, weights, sequences, signal) => {
  const hp = model.hparams;
  const replay = await prepareReplay(model, weights, sequences);
  const counters: ReplayCounters = { layerRuns: 0, headRows: 0, uploadedBytes: 0, readBackBytes: 0 };
  // Two layers' weights stay loaded: the one whose tensors are being measured (its jobs alternate
  // with replays of the later layers) and the last one a replay read.
  const loaded = new Map<number, Promise<BlockWeights>>();
  let pinned = -1;
  const layerWeights = (layer: number, pin: boolean): Promise<BlockWeights> => {
    if (pin) pinned = layer;
    let w = loaded.get(layer);
    if (!w) {
      for (const l of loaded.keys()) if (l !== pinned) loaded.delete(l);
      w = loadLayer(replay, layer);
      loaded.set(layer, w);
    }
    return w;
  };
  const run = async (layer: number, w: BlockWeights, hidden: Float32Array) => {
    signal?.throwIfAborted();
    await runLayer(replay, layer, w, hidden);
    counters.layerRuns++;
  };

  const norm = await weights(outputNormTensor(model));
  const outputName = model.tensors.has('output.weight') ? 'output.weight' : 'token_embd.weight';
  const output = await weights(tensorOf(model, outputName));
  const inputs: Float32Array[] = [];
  const hidden = embed(replay, await weights(tensorOf(model, 'token_embd.weight')));
  for (let l = 0; l < hp.layerCount; l++) {
    inputs.push(hidden.slice());
    await run(l, await loadLayer(replay, l), hidden);
  }
  inputs.push(hidden);

  const logProbs = (state: ReplayState, rows: readonly number[], head: Float32Array) => {
    counters.headRows += rows.length;
    return toLogProbs(logitsAt(hp, hiddenOf(state), rows, norm, head), hp.vocabSize);
  };

  const engine: ReplayEngine = {
    layerCount: hp.layerCount,
    counters,
    base(layer) {
      const h = inputs[layer];
      if (!h) throw new Error(`sensitivity: no base state for layer ${layer} (0..${hp.layerCount})`);
      return asState(h);
    },
    async embed(table) {
      return asState(embed(replay, table));
    },
    async runLayer(layer, replaced, from) {
      const h = hiddenOf(from).slice();
      const w = { ...(await layerWeights(layer, true)) };
      for (const [field, values] of replaced) w[field] = values;
      await run(layer, w, h);
      return asState(h);
    },
    async replayFrom(from, states) {
      for (let l = from; l < hp.layerCount; l++) {
        const w = await layerWeights(l, false);
        for (const s of states) await run(l, w, hiddenOf(s));
      }
    },
    async reference(state, rows) {
      return { rows, logProbs: logProbs(state, rows, output) } as unknown as ReplayReference;
    },
    async kld(reference, state, replacedOutput) {
      const r = reference as unknown as Reference;
      return meanKld(r.logProbs, logProbs(state, r.rows, replacedOutput ?? output), hp.vocabSize);
    },
    releaseReference() {},
    release() {},
    retireLayersBelow(layer) {
      for (const l of loaded.keys()) if (l < layer) loaded.delete(l);
    },
    dispose() {
      loaded.clear();
    },
  };
  return engine;
};
