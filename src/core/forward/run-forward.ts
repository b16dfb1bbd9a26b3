// The reference forward pass, layer by layer over every sequence of the request: the embeddings
// of all tokens, then each block with only that block's weights resident, then the output head.
// This is the schedule the GPU version follows (weights streamed once per pass, activations of
// all sequences kept between layers).
import { blockTensorName, loadBlockWeights } from './block-weights.ts';
import { runBlock, type SequenceSpan } from './block.ts';
import { outputNormTensor } from './forward-model.ts';
import type { ForwardModel, ForwardRequest, WeightSource } from './forward-types.ts';
import { activationsForWeight } from './ggml-cpu-activations.ts';
import type { ExpertField } from './moe.ts';
import { finishLogits, matmul, rmsNormRows } from './ops.ts';
import { ropeOfRun, ropeTables } from './rope.ts';
import { expertMatricesOf } from './weights.ts';

/** Output rows per output-head matmul: bounds the logits buffer (rows × vocab floats). */
const OUTPUT_ROWS = 64;

function tensorOf(model: ForwardModel, name: string) {
  const t = model.tensors.get(name);
  if (!t) throw new Error(`forward: the model has no tensor "${name}"`);
  return t;
}

/**
 * Layer boundaries of a pass, for long runs that report progress and keep checkpoints (the
 * studio's calibration on the CPU): the state between two layers is the residual stream alone.
 */
export interface ForwardLayerOptions {
  /** Start at layer `nextLayer` with `hidden` (rows × embedding) as its input, instead of the embeddings. */
  resumeFrom?: { nextLayer: number; hidden: Float32Array };
  /** After each finished layer, with the residual stream (the next layer's input; read or copy it before returning). */
  onLayerDone?: (layer: number, hidden: Float32Array) => void | Promise<void>;
}

export async function runForward(model: ForwardModel, weights: WeightSource, request: ForwardRequest, layers: ForwardLayerOptions = {}): Promise<void> {
  const hp = model.hparams;
  const spans: SequenceSpan[] = [];
  let rows = 0;
  for (const [i, seq] of request.sequences.entries()) {
    if (seq.length === 0) throw new Error(`forward: sequence ${i} is empty`);
    spans.push({ start: rows, length: seq.length });
    rows += seq.length;
  }
  const hidden = new Float32Array(rows * hp.embedding);
  const resume = layers.resumeFrom;
  if (resume) {
    if (resume.hidden.length !== hidden.length) throw new Error(`forward: the resumed state has ${resume.hidden.length} values, the sequences need ${hidden.length}`);
    if (resume.nextLayer < 0 || resume.nextLayer > hp.layerCount) throw new Error(`forward: resumed layer ${resume.nextLayer} is outside 0..${hp.layerCount}`);
    hidden.set(resume.hidden);
  } else {
    const embd = await weights(tensorOf(model, 'token_embd.weight'));
    let r = 0;
    for (const seq of request.sequences) {
      for (const token of seq) {
        if (!Number.isInteger(token) || token < 0 || token >= hp.vocabSize) throw new Error(`forward: token id ${token} is outside the vocabulary (${hp.vocabSize})`);
        hidden.set(embd.subarray(token * hp.embedding, (token + 1) * hp.embedding), r * hp.embedding);
        r++;
      }
    }
    if (hp.embedScale !== null) for (let i = 0; i < hidden.length; i++) hidden[i] = Math.fround(hidden[i]! * hp.embedScale);
  }

  const longest = Math.max(...spans.map((s) => s.length));
  const rope = await ropeOfRun(model, weights, longest);
  const tables = ropeTables(rope, longest);
  const activationTypes = request.ggmlCpuActivations ? (name: string) => model.tensors.get(name)?.type : undefined;
  // A MoE layer's experts are read one at a time, and only those tokens were routed to, where the source can.
  const expertMatrices = hp.experts ? expertMatricesOf(weights) : undefined;
  for (let layer = resume?.nextLayer ?? 0; layer < hp.layerCount; layer++) {
    const w = await loadBlockWeights(model, weights, layer, { lazyExperts: expertMatrices !== undefined });
    const experts = expertMatrices && {
      width: tensorOf(model, blockTensorName(layer, 'gateExps')).ne[1]!,
      matrix: (field: ExpertField, e: number) => expertMatrices(tensorOf(model, blockTensorName(layer, field)), e),
    };
    await runBlock({ hp, layer, spans, rope, ropeTables: tables, hooks: request.hooks, kvCache: request.kvCache ?? 'f32', activationTypes, experts }, w, hidden);
    await layers.onLayerDone?.(layer, hidden);
  }

  if (!request.onLogits) return;
  const norm = await weights(outputNormTensor(model));
  const outputTensor = model.tensors.get('output.weight') ?? tensorOf(model, 'token_embd.weight');
  const output = await weights(outputTensor);
  const outputType = activationTypes?.(outputTensor.ggufName);
  for (const [s, span] of spans.entries()) {
    const from = Math.max(0, request.outputFrom?.(s) ?? 0);
    for (let p0 = from; p0 < span.length; p0 += OUTPUT_ROWS) {
      const n = Math.min(OUTPUT_ROWS, span.length - p0);
      const x = rmsNormRows(hidden.subarray((span.start + p0) * hp.embedding, (span.start + p0 + n) * hp.embedding), n, hp.embedding, norm, hp.rmsEps);
      const logits = matmul(outputType ? activationsForWeight(x, outputType) : x, n, hp.embedding, output, hp.vocabSize);
      finishLogits(logits, hp);
      for (let i = 0; i < n; i++) request.onLogits(s, p0 + i, logits.subarray(i * hp.vocabSize, (i + 1) * hp.vocabSize));
    }
  }
}
