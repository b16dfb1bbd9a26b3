// One transformer block on the GPU for one group of whole sequences (rows gStart .. gStart+gRows
// of the resident residual stream), in the order of core/forward/block.ts, with the imatrix
// statistic of every matmul input accumulated on the GPU.
import { qkNormGroups } from '../../core/forward/block.ts';
import { blockTensorName, isConvLayer, isMamba2Layer } from '../../core/forward/block-weights.ts';
import type { ForwardHparams, ForwardModel } from '../../core/forward/forward-types.ts';
import type { DispatchRecorder } from './forward-kernels.ts';
import { expertPicks, routeFromLogits, type ExpertField } from '../../core/forward/moe.ts';
import { accumulateSquares, attentionRows, gatedActivation, mamba2Rows, matmulRows, moeGatherRows, moeScatterRows, moeSumSlots, rmsNormRows, ropeRows, shortConvRows } from './forward-ops.ts';
import { releaseGpuWeight, type GpuWeight } from './gpu-weights.ts';

export type GpuBlockWeights = Partial<Record<
  | 'attnNorm' | 'q' | 'k' | 'v' | 'qkv' | 'o' | 'qBias' | 'kBias' | 'vBias' | 'oBias' | 'qNorm' | 'kNorm' | 'postAttnNorm' | 'ffnNorm' | 'gate' | 'up' | 'down' | 'postFfnNorm'
  | 'router' | 'gateExps' | 'upExps' | 'downExps' | 'gateShexp' | 'upShexp' | 'downShexp' | 'convIn' | 'conv' | 'convOut'
  | 'sinks' | 'routerBias' | 'gateExpsBias' | 'upExpsBias' | 'downExpsBias'
  | 'ssmIn' | 'ssmConv' | 'ssmConvBias' | 'ssmDtBias' | 'ssmA' | 'ssmD' | 'ssmNorm' | 'ssmOut',
  GpuWeight
>>;

/** Refuses what the GPU block does not compute yet, before any weight is uploaded. */
export function checkGpuBlockSupports(hp: ForwardHparams): void {
  if (hp.experts && !hp.preNorms) {
    throw new Error(`GpuForward: ${hp.architecture} combines mixture-of-experts layers with post-norms, which the GPU block does not compute`);
  }
  // The scan keeps a channel's state in registers; the norm is one group (every Granite 4.0-h has n_groups 1).
  if (hp.ssm && (hp.ssm.groups !== 1 || hp.ssm.stateSize > MAX_SSM_STATE)) {
    throw new Error(`GpuForward: Mamba-2 layers of ${hp.ssm.groups} groups and a state of ${hp.ssm.stateSize} are not computed by the GPU block (1 group, a state of at most ${MAX_SSM_STATE})`);
  }
}

/** mamba2-scan.wgsl's MAX_STATE. */
const MAX_SSM_STATE = 256;

/**
 * The matmuls whose inputs llama-imatrix records, in the slot order of the sums buffer (a layer
 * has the dense feed-forward's or the experts'; stacked experts take a row of sums per expert).
 */
export const IMATRIX_FIELDS = ['q', 'k', 'v', 'qkv', 'o', 'convIn', 'convOut', 'ssmIn', 'ssmOut', 'gate', 'up', 'down', 'router', 'gateExps', 'upExps', 'downExps', 'gateShexp', 'upShexp', 'downShexp'] as const;
export type ImatrixField = (typeof IMATRIX_FIELDS)[number];

/** Sums a field takes in the layer's imatrix buffer: its columns, times the experts of a stacked tensor (0 where the layer has no such tensor). */
export function imatrixSlots(model: ForwardModel, layer: number, field: ImatrixField): number {
  const t = model.tensors.get(blockTensorName(layer, field));
  return t ? t.ne[0]! * (t.ne[2] ?? 1) : 0;
}

/** Scratch of a MoE layer: router output, one expert's rows, the (token, slot) outputs, the routes. */
export interface MoeScratch {
  route: GPUBuffer; xe: GPUBuffer; de: GPUBuffer; slots: GPUBuffer; picks: GPUBuffer; weights: GPUBuffer;
}

/** Per-group scratch: sized for the largest group, reused by every layer. */
export interface BlockScratch {
  x: GPUBuffer; q: GPUBuffer; qn: GPUBuffer; k: GPUBuffer; kn: GPUBuffer; v: GPUBuffer;
  attn: GPUBuffer; o: GPUBuffer; gate: GPUBuffer; up: GPUBuffer;
  placeholder: GPUBuffer;
  /** Present for models with MoE layers. */
  moe?: MoeScratch;
  /** Present for models with short-convolution layers (LFM2): in_proj's output (b, c and x per row) and the convolution's. */
  conv?: { bcx: GPUBuffer; y: GPUBuffer };
  /** Present for models with Mamba-2 layers: in_proj's output, the convolution's, the gated output and its norm. */
  ssm?: { zxbcdt: GPUBuffer; xbc: GPUBuffer; y: GPUBuffer; yn: GPUBuffer };
}

export interface BlockGroup {
  start: number;
  rows: number;
  positions: GPUBuffer;
  seqStart: GPUBuffer;
}

export interface GpuBlockContext {
  hp: ForwardHparams;
  layer: number;
  ffn: number;
  hidden: GPUBuffer;
  scratch: BlockScratch;
  rope: { cos: GPUBuffer; sin: GPUBuffer };
  roundF16: boolean;
  /** Imatrix sums of this layer (slot offsets by field), or null when not collected. */
  imatrix: { sums: GPUBuffer; offsets: Record<ImatrixField, number> } | null;
  /** Reads a matmul input back for ForwardHooks.onMatmulInput (slow path), or null; `expert` for one expert's rows of a stacked tensor. */
  onMatmulInput: ((field: ImatrixField, x: GPUBuffer, rows: number, cols: number, expert?: number) => Promise<void>) | null;
  /** MoE layers: reads back a buffer (the router's output) and writes the routes to the scratch. */
  host?: MoeHost;
}

export interface MoeHost {
  readBack(buffer: GPUBuffer, count: number): Promise<Float32Array>;
  write(buffer: GPUBuffer, data: Uint32Array | Float32Array): void;
  /** Rows routed to each expert in this group (for the imatrix's per-expert counts). */
  onRouted?(counts: readonly number[]): void;
  /**
   * Expert e's matrix of a stacked tensor the block weights leave out (experts read one at a
   * time), uploaded; runMoe submits the expert's work, then releases it.
   */
  expertMatrix?(field: ExpertField, expert: number): Promise<GpuWeight>;
}

/**
 * A matmul's input rows for the imatrix (summed on the GPU, at the expert's row of sums for one
 * expert of a stacked tensor) and for the onMatmulInput hook.
 */
async function recordInput(rec: DispatchRecorder, ctx: GpuBlockContext, field: ImatrixField, x: GPUBuffer, rows: number, cols: number, expert?: number): Promise<void> {
  if (ctx.imatrix) await accumulateSquares(rec, x, rows, cols, ctx.imatrix.sums, ctx.imatrix.offsets[field] + (expert ?? 0) * cols);
  if (ctx.onMatmulInput) await ctx.onMatmulInput(field, x, rows, cols, expert);
}

export async function runGpuBlock(rec: DispatchRecorder, ctx: GpuBlockContext, w: GpuBlockWeights, g: BlockGroup): Promise<void> {
  const { hp, scratch: s } = ctx;
  const E = hp.embedding;
  const need = (field: keyof GpuBlockWeights) => {
    const t = w[field];
    if (!t) throw new Error(`GpuForward: layer ${ctx.layer} has no ${field} weight`);
    return t;
  };
  const record = (field: ImatrixField, x: GPUBuffer, cols: number) => recordInput(rec, ctx, field, x, g.rows, cols);
  const project = async (field: ImatrixField, x: GPUBuffer, y: GPUBuffer, bias?: GpuWeight) => {
    const weight = need(field);
    await record(field, x, weight.cols);
    await matmulRows(rec, { x, xOffset: 0, rows: g.rows, weight, bias, y, yOffset: 0, outStride: weight.rows, accumulate: false, softcap: null, placeholder: s.placeholder });
  };
  /** A fused tensor's projections (block-weights.ts fusedRows): its input recorded once, a matmul per part. */
  const projectParts = async (field: 'qkv' | 'up', x: GPUBuffer, ys: GPUBuffer[]) => {
    const weight = need(field);
    if (weight.parts?.length !== ys.length) throw new Error(`GpuForward: layer ${ctx.layer}'s ${field} is not uploaded as ${ys.length} fused parts`);
    await record(field, x, weight.cols);
    for (const [i, part] of weight.parts.entries()) {
      await matmulRows(rec, { x, xOffset: 0, rows: g.rows, weight: part, y: ys[i]!, yOffset: 0, outStride: part.rows, accumulate: false, softcap: null, placeholder: s.placeholder });
    }
  };
  const norm = (weight: GpuWeight, src: GPUBuffer, srcOffset: number, rows: number, cols: number, dst: GPUBuffer, dstOffset: number, accumulate: boolean) =>
    rmsNormRows(rec, { src, srcOffset, rows, cols, weight, dst, dstOffset, eps: hp.rmsEps, accumulate });
  // The residual add into the resident stream: through the post-norm when there is one.
  const addToHidden = async (field: 'o' | 'convOut' | 'ssmOut' | 'down' | 'downShexp', x: GPUBuffer, bias: GpuWeight | undefined, post: GpuWeight | undefined) => {
    const weight = need(field);
    await record(field, x, weight.cols);
    if (post && hp.residualScale !== null) throw new Error(`GpuForward: layer ${ctx.layer} has both a post-norm and a residual scale, which no architecture combines`);
    if (post) {
      await matmulRows(rec, { x, xOffset: 0, rows: g.rows, weight, bias, y: s.o, yOffset: 0, outStride: E, accumulate: false, softcap: null, placeholder: s.placeholder });
      await norm(post, s.o, 0, g.rows, E, ctx.hidden, g.start * E, true);
    } else {
      await matmulRows(rec, { x, xOffset: 0, rows: g.rows, weight, bias, y: ctx.hidden, yOffset: g.start * E, outStride: E, accumulate: true, softcap: null, scale: hp.residualScale ?? 1, placeholder: s.placeholder });
    }
  };

  // The block's input rows into s.x: normed, or as they are where the architecture norms only after (OLMo 2).
  const blockInput = async (field: 'attnNorm' | 'ffnNorm') => {
    if (hp.preNorms) await norm(need(field), ctx.hidden, g.start * E, g.rows, E, s.x, 0, false);
    else rec.copy(ctx.hidden, g.start * E * 4, s.x, 0, g.rows * E * 4);
  };
  await blockInput('attnNorm');
  if (isConvLayer(hp, ctx.layer)) await shortConvMixer();
  else if (isMamba2Layer(hp, ctx.layer)) await mamba2Mixer();
  else await attention();

  await blockInput('ffnNorm');
  if (hp.experts) {
    await runMoe(rec, ctx, w, g);
    // A shared expert (Granite MoE shared): a gated FFN every token goes through, into the stream beside the routed experts.
    if (w.gateShexp) await gatedFeedForward('gateShexp', 'upShexp', 'downShexp', undefined);
  } else if (w.gate) {
    await gatedFeedForward('gate', 'up', 'down', w.postFfnNorm);
  } else {
    await projectParts('up', s.x, [s.gate, s.up]);
    await gatedActivation(rec, s.gate, s.up, g.rows * ctx.ffn, hp.activation);
    await addToHidden('down', s.gate, undefined, w.postFfnNorm);
  }

  /** down(act(gate · x) * (up · x)) of s.x into the stream, for separate gate and up tensors. */
  async function gatedFeedForward(gate: 'gate' | 'gateShexp', up: 'up' | 'upShexp', down: 'down' | 'downShexp', post: GpuWeight | undefined): Promise<void> {
    await project(gate, s.x, s.gate);
    await project(up, s.x, s.up);
    await gatedActivation(rec, s.gate, s.up, g.rows * need(gate).rows, hp.activation);
    await addToHidden(down, s.gate, undefined, post);
  }

  /** LFM2's convolution layer: in_proj, the short convolution of each sequence, out_proj into the stream. */
  async function shortConvMixer(): Promise<void> {
    if (!s.conv) throw new Error(`GpuForward: layer ${ctx.layer} is a convolution layer, but the block has no convolution scratch`);
    await project('convIn', s.x, s.conv.bcx);
    await shortConvRows(rec, s.conv.bcx, need('conv'), g.positions, g.rows, E, s.conv.y);
    await addToHidden('convOut', s.conv.y, undefined, w.postAttnNorm);
  }

  /** Granite 4.0-h's Mamba-2 layer: in_proj, the convolution and the scan of each sequence, the norm, out_proj into the stream. */
  async function mamba2Mixer(): Promise<void> {
    const ssm = hp.ssm!;
    if (!s.ssm) throw new Error(`GpuForward: layer ${ctx.layer} is a Mamba-2 layer, but the block has no Mamba-2 scratch`);
    await project('ssmIn', s.x, s.ssm.zxbcdt);
    await mamba2Rows(rec, {
      zxbcdt: s.ssm.zxbcdt, xbc: s.ssm.xbc, y: s.ssm.y, conv: need('ssmConv'), convBias: w.ssmConvBias, dtBias: need('ssmDtBias'), a: need('ssmA'), d: need('ssmD'),
      positions: g.positions, placeholder: s.placeholder, rows: g.rows, inner: ssm.inner, heads: ssm.heads, groups: ssm.groups, stateSize: ssm.stateSize,
    });
    await norm(need('ssmNorm'), s.ssm.y, 0, g.rows, ssm.inner, s.ssm.yn, 0, false);
    await addToHidden('ssmOut', s.ssm.yn, undefined, w.postAttnNorm);
  }

  async function attention(): Promise<void> {
    if (w.qkv) {
      await projectParts('qkv', s.x, [s.q, s.k, s.v]);
    } else {
      await project('q', s.x, s.q, w.qBias);
      await project('k', s.x, s.k, w.kBias);
      await project('v', s.x, s.v, w.vBias);
    }
    let q = s.q;
    let k = s.k;
    if (w.qNorm) { await norm(w.qNorm, s.q, 0, g.rows * qkNormGroups(w.qNorm.cols, hp.headCount, hp.headDimK, 'q'), w.qNorm.cols, s.qn, 0, false); q = s.qn; }
    if (w.kNorm) { await norm(w.kNorm, s.k, 0, g.rows * qkNormGroups(w.kNorm.cols, hp.headCountKv, hp.headDimK, 'k'), w.kNorm.cols, s.kn, 0, false); k = s.kn; }
    const pairs = hp.ropeDims / 2;
    const neox = hp.ropeStyle === 'neox';
    if (hp.ropeLayers[ctx.layer]) {
      await ropeRows(rec, { x: q, rows: g.rows, heads: hp.headCount, headDim: hp.headDimK, pairs, neox, positions: g.positions, ...ctx.rope });
      await ropeRows(rec, { x: k, rows: g.rows, heads: hp.headCountKv, headDim: hp.headDimK, pairs, neox, positions: g.positions, ...ctx.rope });
    }
    await attentionRows(rec, {
      q, k, v: s.v, seqStart: g.seqStart, positions: g.positions, out: s.attn,
      rows: g.rows, heads: hp.headCount, headsKv: hp.headCountKv, headDimK: hp.headDimK, headDimV: hp.headDimV,
      window: hp.slidingLayers[ctx.layer] ? hp.slidingWindow : null, scale: hp.attentionScale, softcap: hp.attnSoftcap, roundF16: ctx.roundF16,
      sinks: w.sinks, placeholder: s.placeholder,
    });
    await addToHidden('o', s.attn, w.oBias, w.postAttnNorm);
  }
}

/**
 * The MoE feed-forward of s.x into the residual stream: the router's logits come back to the
 * host, which routes every token exactly as the CPU forward does (core/forward/moe.ts); each
 * expert with tokens then runs on its gathered rows only, its weighted outputs land in their
 * (token, slot) places, and the slots are summed in order into the stream.
 */
async function runMoe(rec: DispatchRecorder, ctx: GpuBlockContext, w: GpuBlockWeights, g: BlockGroup): Promise<void> {
  const { hp, scratch: s } = ctx;
  const routing = hp.experts!;
  const E = hp.embedding;
  const m = s.moe;
  const host = ctx.host;
  if (!m || !host) throw new Error(`GpuForward: layer ${ctx.layer} is a MoE layer, but the block has no MoE scratch or host`);
  const router = w.router;
  if (!router) throw new Error(`GpuForward: layer ${ctx.layer} has no router weight`);
  /** Expert e's matrix: from the uploaded stacked tensor, or uploaded alone (and released after use). */
  const expertMatrix = async (field: ExpertField, e: number): Promise<{ weight: GpuWeight; release: boolean }> => {
    const t = w[field];
    if (t) {
      if (t.matrices?.length !== routing.count) throw new Error(`GpuForward: layer ${ctx.layer}'s ${field} is not uploaded as ${routing.count} experts`);
      return { weight: t.matrices[e]!, release: false };
    }
    if (!host.expertMatrix) throw new Error(`GpuForward: layer ${ctx.layer} has no ${field} weight of ${routing.count} experts`);
    return { weight: await host.expertMatrix(field, e), release: true };
  };
  await recordInput(rec, ctx, 'router', s.x, g.rows, E);
  await matmulRows(rec, { x: s.x, xOffset: 0, rows: g.rows, weight: router, bias: w.routerBias, y: m.route, yOffset: 0, outStride: routing.count, accumulate: false, softcap: null, placeholder: s.placeholder });
  const logits = await host.readBack(m.route, g.rows * routing.count);
  const routes = routeFromLogits(logits, g.rows, routing);
  /** Expert e's bias row of a stacked tensor's bias (gpt-oss), uploaded as one part per expert. */
  const expertBias = (field: 'gateExpsBias' | 'upExpsBias' | 'downExpsBias', e: number): GpuWeight | undefined => {
    const b = w[field];
    if (b && b.parts?.length !== routing.count) throw new Error(`GpuForward: layer ${ctx.layer}'s ${field} is not uploaded as ${routing.count} experts' rows`);
    return b?.parts![e];
  };
  const { picks, starts } = expertPicks(routes, g.rows, routing);
  host.write(m.picks, picks);
  host.write(m.weights, routes.weights);
  host.onRouted?.(Array.from({ length: routing.count }, (_, e) => starts[e + 1]! - starts[e]!));
  for (let e = 0; e < routing.count; e++) {
    const rows = starts[e + 1]! - starts[e]!;
    if (rows === 0) continue;
    await moeGatherRows(rec, s.x, m.picks, starts[e]!, rows, E, routing.used, m.xe);
    const matrices = [await expertMatrix('gateExps', e), await expertMatrix('upExps', e), await expertMatrix('downExps', e)];
    try {
      const [gate, up, down] = matrices.map((m) => m.weight) as [GpuWeight, GpuWeight, GpuWeight];
      const ff = gate.rows;
      const expertMatmul = async (field: ExpertField, x: GPUBuffer, cols: number, weight: GpuWeight, y: GPUBuffer) => {
        await recordInput(rec, ctx, field, x, rows, cols, e);
        const bias = expertBias(`${field}Bias`, e);
        await matmulRows(rec, { x, xOffset: 0, rows, weight, bias, y, yOffset: 0, outStride: weight.rows, accumulate: false, softcap: null, placeholder: s.placeholder });
      };
      await expertMatmul('gateExps', m.xe, E, gate, s.gate);
      await expertMatmul('upExps', m.xe, E, up, s.up);
      await gatedActivation(rec, s.gate, s.up, rows * ff, hp.activation);
      await expertMatmul('downExps', s.gate, ff, down, m.de);
    } finally {
      // Matrices uploaded for this expert alone: submitted with the work that reads them, then
      // released (the queue frees them once that work has run), so one expert is resident at a time.
      if (matrices.some((m) => m.release)) {
        rec.submit();
        for (const m of matrices) if (m.release) releaseGpuWeight(m.weight);
      }
    }
    await moeScatterRows(rec, m.de, m.picks, m.weights, starts[e]!, rows, E, m.slots);
  }
  await moeSumSlots(rec, m.slots, g.rows, E, routing.used, ctx.hidden, g.start * E, hp.residualScale ?? 1);
}
