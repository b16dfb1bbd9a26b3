// One transformer block on the GPU for one group of whole sequences (rows gStart .. gStart+gRows
// of the resident residual stream), in the order of core/forward/block.ts, with the imatrix
// statistic of every matmul input accumulated on the GPU.
import { qkNormGroups } from '../../core/forward/block.ts';
import type { ForwardHparams } from '../../core/forward/forward-types.ts';
import type { DispatchRecorder } from './forward-kernels.ts';
import { accumulateSquares, attentionRows, gatedActivation, matmulRows, rmsNormRows, ropeRows } from './forward-ops.ts';
import type { GpuWeight } from './gpu-weights.ts';

export type GpuBlockWeights = Partial<Record<
  'attnNorm' | 'q' | 'k' | 'v' | 'o' | 'qBias' | 'kBias' | 'vBias' | 'oBias' | 'qNorm' | 'kNorm' | 'postAttnNorm' | 'ffnNorm' | 'gate' | 'up' | 'down' | 'postFfnNorm',
  GpuWeight
>>;

/** Refuses what the GPU block does not compute yet, before any weight is uploaded. */
export function checkGpuBlockSupports(hp: ForwardHparams): void {
  if (hp.experts) {
    throw new Error(`GpuForward: ${hp.architecture} has mixture-of-experts layers, which run on the CPU forward only so far (choose the CPU for calibration and measurements)`);
  }
}

/** The matmuls whose inputs llama-imatrix records, in the slot order of the sums buffer. */
export const IMATRIX_FIELDS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
export type ImatrixField = (typeof IMATRIX_FIELDS)[number];

/** Per-group scratch: sized for the largest group, reused by every layer. */
export interface BlockScratch {
  x: GPUBuffer; q: GPUBuffer; qn: GPUBuffer; k: GPUBuffer; kn: GPUBuffer; v: GPUBuffer;
  attn: GPUBuffer; o: GPUBuffer; gate: GPUBuffer; up: GPUBuffer;
  placeholder: GPUBuffer;
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
  /** Reads a matmul input back for ForwardHooks.onMatmulInput (slow path), or null. */
  onMatmulInput: ((field: ImatrixField, x: GPUBuffer, rows: number, cols: number) => Promise<void>) | null;
}

export async function runGpuBlock(rec: DispatchRecorder, ctx: GpuBlockContext, w: GpuBlockWeights, g: BlockGroup): Promise<void> {
  const { hp, scratch: s } = ctx;
  const E = hp.embedding;
  const need = (field: keyof GpuBlockWeights) => {
    const t = w[field];
    if (!t) throw new Error(`GpuForward: layer ${ctx.layer} has no ${field} weight`);
    return t;
  };
  const record = async (field: ImatrixField, x: GPUBuffer, cols: number) => {
    if (ctx.imatrix) await accumulateSquares(rec, x, g.rows, cols, ctx.imatrix.sums, ctx.imatrix.offsets[field]);
    if (ctx.onMatmulInput) await ctx.onMatmulInput(field, x, g.rows, cols);
  };
  const project = async (field: ImatrixField, x: GPUBuffer, y: GPUBuffer, bias?: GpuWeight) => {
    const weight = need(field);
    await record(field, x, weight.cols);
    await matmulRows(rec, { x, xOffset: 0, rows: g.rows, weight, bias, y, yOffset: 0, outStride: weight.rows, accumulate: false, softcap: null, placeholder: s.placeholder });
  };
  const norm = (weight: GpuWeight, src: GPUBuffer, srcOffset: number, rows: number, cols: number, dst: GPUBuffer, dstOffset: number, accumulate: boolean) =>
    rmsNormRows(rec, { src, srcOffset, rows, cols, weight, dst, dstOffset, eps: hp.rmsEps, accumulate });
  // The residual add into the resident stream: through the post-norm when there is one.
  const addToHidden = async (field: 'o' | 'down', x: GPUBuffer, bias: GpuWeight | undefined, post: GpuWeight | undefined) => {
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
  await project('q', s.x, s.q, w.qBias);
  await project('k', s.x, s.k, w.kBias);
  await project('v', s.x, s.v, w.vBias);
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
  });
  await addToHidden('o', s.attn, w.oBias, w.postAttnNorm);

  await blockInput('ffnNorm');
  await project('gate', s.x, s.gate);
  await project('up', s.x, s.up);
  await gatedActivation(rec, s.gate, s.up, g.rows * ctx.ffn, hp.activation);
  await addToHidden('down', s.gate, undefined, w.postFfnNorm);
}
