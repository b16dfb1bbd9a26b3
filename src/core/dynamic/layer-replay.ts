// The reference forward cut into steps the sensitivity pass can restart from: embeddings, one
// block at a time, the head. The base run keeps the residual stream entering every layer, so a
// perturbed tensor of layer L is measured by replaying layers L.. only. Its matmuls sum in float
// lanes (twice as fast as the reference's double sums): every figure here compares two forwards
// computed alike, and the GPU forward, the other implementation of this pass, sums in float too.
import { loadBlockWeights, type BlockWeights } from '../forward/block-weights.ts';
import { runBlock, type BlockContext, type SequenceSpan } from '../forward/block.ts';
import type { ForwardModel, WeightSource } from '../forward/forward-types.ts';
import { ropeOfRun, ropeTables, type RopeParams } from '../forward/rope.ts';

export interface Replay {
  model: ForwardModel;
  weights: WeightSource;
  sequences: readonly (readonly number[])[];
  spans: SequenceSpan[];
  rows: number;
  rope: RopeParams;
  tables: { cos: Float32Array; sin: Float32Array };
}

export function tensorOf(model: ForwardModel, name: string) {
  const t = model.tensors.get(name);
  if (!t) throw new Error(`sensitivity: the model has no tensor "${name}"`);
  return t;
}

export async function prepareReplay(model: ForwardModel, weights: WeightSource, sequences: readonly (readonly number[])[]): Promise<Replay> {
  const spans: SequenceSpan[] = [];
  let rows = 0;
  for (const [i, seq] of sequences.entries()) {
    if (seq.length === 0) throw new Error(`sensitivity: sequence ${i} is empty`);
    spans.push({ start: rows, length: seq.length });
    rows += seq.length;
  }
  const longest = Math.max(...spans.map((s) => s.length));
  const rope = await ropeOfRun(model, weights, longest);
  return { model, weights, sequences, spans, rows, rope, tables: ropeTables(rope, longest) };
}

/** The residual stream after the embeddings, from a (possibly quantized) embedding table. */
export function embed(r: Replay, table: Float32Array): Float32Array {
  const hp = r.model.hparams;
  const hidden = new Float32Array(r.rows * hp.embedding);
  let row = 0;
  for (const seq of r.sequences) {
    for (const token of seq) {
      if (!Number.isInteger(token) || token < 0 || token >= hp.vocabSize) throw new Error(`sensitivity: token id ${token} is outside the vocabulary (${hp.vocabSize})`);
      hidden.set(table.subarray(token * hp.embedding, (token + 1) * hp.embedding), row++ * hp.embedding);
    }
  }
  if (hp.embedScale !== null) for (let i = 0; i < hidden.length; i++) hidden[i] = Math.fround(hidden[i]! * hp.embedScale);
  return hidden;
}

export const loadLayer = (r: Replay, layer: number): Promise<BlockWeights> => loadBlockWeights(r.model, r.weights, layer);

/** Runs block `layer` on `hidden` in place (with the layer's whole expert tensors, which replays reuse). */
export function runLayer(r: Replay, layer: number, w: BlockWeights, hidden: Float32Array): Promise<void> {
  const ctx: BlockContext = { hp: r.model.hparams, layer, spans: r.spans, rope: r.rope, ropeTables: r.tables, kvCache: 'f32', matmulSums: 'float' };
  return runBlock(ctx, w, hidden);
}
