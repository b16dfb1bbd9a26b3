// What a GpuForward run will upload and dispatch, from the model's tensor table alone: the
// figures GpuForwardStats counts on a real run (gpu-forward-stored-weights.test.ts checks that
// they agree), for models too large to run here (bench/gpu-forward-bytes.ts).
import { blockTensorName, fusedRows, isConvLayer } from '../../core/forward/block-weights.ts';
import { outputNormTensor } from '../../core/forward/forward-model.ts';
import type { ForwardModel, ForwardTensor } from '../../core/forward/forward-types.ts';
import type { GgmlTypeName } from '../../core/ggml-type.ts';
import { BLOCK_FIELDS } from './block-resources.ts';
import { IMATRIX_FIELDS } from './gpu-block.ts';
import { gpuWeightLayout, weightRowsPerChunk } from './gpu-weights.ts';

export interface ForwardCostOptions {
  /** How each tensor reaches the GPU: its stored type ('F32' for a WeightSource's f32 values). */
  typeOf(tensor: ForwardTensor): GgmlTypeName;
  /** The device's storage binding limit (GpuForward splits larger weights into row chunks). */
  maxBindingBytes: number;
  /** Groups of sequences each layer runs (1 unless the scratch budget splits the batch). */
  groups?: number;
  imatrix?: boolean;
  /** Whether logits are read (the output head's weights are uploaded). */
  logits?: boolean;
}

export interface ForwardCost {
  /** Bytes written to weight buffers per forward. */
  weightBytes: number;
  /** The same in float32 (every tensor uploaded as f32 values, as before stored formats). */
  weightBytesF32: number;
  /** Per tensor name: bytes uploaded (for the cost of replacing one by f32 values). */
  tensorBytes: Map<string, { stored: number; f32: number }>;
  dispatchesPerLayer: number[];
}

export function forwardCost(model: ForwardModel, o: ForwardCostOptions): ForwardCost {
  const tensorBytes = new Map<string, { stored: number; f32: number }>();
  const chunksOf = new Map<string, number>();
  const add = (t: ForwardTensor) => {
    const layout = gpuWeightLayout(t.ne, o.typeOf(t));
    const rows = t.ne.slice(1).reduce((a, b) => a * b, 1);
    tensorBytes.set(t.ggufName, { stored: layout.uploaded, f32: rows * t.ne[0]! * 4 });
    chunksOf.set(t.ggufName, Math.ceil(rows / weightRowsPerChunk(t.ggufName, layout.bytesPerRow, rows, o.maxBindingBytes)));
  };
  const dispatchesPerLayer: number[] = [];
  for (let layer = 0; layer < model.hparams.layerCount; layer++) {
    const has = (field: (typeof BLOCK_FIELDS)[number]) => model.tensors.get(blockTensorName(layer, field));
    for (const field of BLOCK_FIELDS) { const t = has(field); if (t) add(t); }
    const chunks = (field: (typeof BLOCK_FIELDS)[number]) => chunksOf.get(blockTensorName(layer, field)) ?? 0;
    // gpu-block.ts: 2 norms, the 7 matmuls by chunk, q/k norms, 2 rope, attention, glu, post-norms;
    // a convolution layer (LFM2) has its 2 matmuls and the convolution instead of attention's.
    // Without pre-norms (OLMo 2) the two norms are buffer copies, not dispatches.
    const rope = model.hparams.ropeLayers[layer] && !isConvLayer(model.hparams, layer);
    let perGroup = (model.hparams.preNorms ? 2 : 0) + (rope ? 2 : 0) + 1 + 1;
    const experts = model.hparams.experts;
    if (experts) {
      // A MoE layer's dispatches depend on the routing; this counts every expert as reached: the
      // router, and per expert a gather, an activation, a scatter and its three matmuls (at least a
      // chunk per expert). The final sum takes the place of the dense activation counted above.
      perGroup += chunks('router') + experts.count * 3;
      for (const field of ['gateExps', 'upExps', 'downExps'] as const) perGroup += Math.max(experts.count, chunks(field));
      if (o.imatrix) perGroup += 1 + 3 * experts.count;
      // A shared expert's activation (its matmuls are counted with the others below).
      if (has('gateShexp')) perGroup++;
    }
    // A fused tensor takes a matmul per part, each at least one chunk.
    for (const field of IMATRIX_FIELDS) {
      if (!field.endsWith('Exps') && field !== 'router' && has(field)) perGroup += Math.max(fusedRows(model, layer, field)?.length ?? 1, chunks(field));
    }
    for (const field of ['qNorm', 'kNorm', 'postAttnNorm', 'postFfnNorm'] as const) if (has(field)) perGroup++;
    if (o.imatrix) perGroup += IMATRIX_FIELDS.filter((f) => !f.endsWith('Exps') && f !== 'router' && has(f)).length;
    dispatchesPerLayer.push(perGroup * (o.groups ?? 1));
  }
  if (o.logits ?? true) {
    for (const name of [outputNormTensor(model).ggufName, model.tensors.has('output.weight') ? 'output.weight' : 'token_embd.weight']) {
      const t = model.tensors.get(name);
      if (t) add(t);
    }
  }
  let weightBytes = 0;
  let weightBytesF32 = 0;
  for (const b of tensorBytes.values()) { weightBytes += b.stored; weightBytesF32 += b.f32; }
  return { weightBytes, weightBytesF32, tensorBytes, dispatchesPerLayer };
}
