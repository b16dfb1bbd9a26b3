// One transformer block over all tokens of all sequences of a pass: pre-norm attention and
// gated FFN with residuals, plus the per-architecture pieces (biases, q/k norms, post norms,
// no pre-norms, soft-capping, sliding window, layers without rope, fused projections, LFM2's
// short convolutions in place of attention) switched on by hparams and by which tensors exist.
import type { GgmlTypeName } from '../ggml-type.ts';
import { causalAttention } from './attention.ts';
import { blockTensorName, fusedParts, isConvLayer, isMamba2Layer, qkvRows, type BlockWeights } from './block-weights.ts';
import { activationsForWeight } from './ggml-cpu-activations.ts';
import type { ForwardHooks, ForwardHparams } from './forward-types.ts';
import { addInPlace, gluOf, matmul, rmsNormRows, scaleInPlace, type Glu, type MatmulSums } from './ops.ts';
import { moeFeedForward, type ExpertField } from './moe.ts';
import { applyRope, type RopeParams } from './rope.ts';
import { shortConvolution } from './short-conv.ts';
import { mamba2Sequence } from './mamba2.ts';

/** Where each sequence's tokens are in the pass's rows. */
export interface SequenceSpan {
  start: number;
  length: number;
}

export interface BlockContext {
  hp: ForwardHparams;
  layer: number;
  spans: readonly SequenceSpan[];
  rope: RopeParams;
  ropeTables: { cos: Float32Array; sin: Float32Array };
  hooks?: ForwardHooks;
  kvCache: 'f32' | 'f16';
  /** Weight storage types by name when activations are rounded like ggml's CPU matmul. */
  activationTypes?: (weightName: string) => GgmlTypeName | undefined;
  /** The matmuls' sums (default 'double', the reference's). */
  matmulSums?: MatmulSums;
  /**
   * A MoE layer's experts read one at a time, for the block weights without their stacked
   * expert tensors (loadBlockWeights with lazyExperts): each expert's width and its matrices.
   */
  experts?: { width: number; matrix(field: ExpertField, expert: number): Promise<Float32Array> };
}

/**
 * How many norm rows a token's q (or k) makes: one per head for a head-wide norm (Qwen3, Gemma 3),
 * one for a norm over the whole projection (OLMo 2).
 */
export function qkNormGroups(normWidth: number, heads: number, headDim: number, which: 'q' | 'k'): number {
  if (normWidth === headDim) return heads;
  if (normWidth === heads * headDim) return 1;
  throw new Error(`forward: the ${which} norm has ${normWidth} values, neither a head (${headDim}) nor all ${heads} heads (${heads * headDim})`);
}

/** Updates `hidden` (rows × n_embd) in place. */
export async function runBlock(ctx: BlockContext, w: BlockWeights, hidden: Float32Array): Promise<void> {
  const { hp, layer, hooks } = ctx;
  const rows = hidden.length / hp.embedding;
  // `part`: one part of a fused tensor, whose input is recorded once, with its first part.
  const project = (field: keyof BlockWeights, x: Float32Array, cols: number, outCols: number, bias?: Float32Array, part?: { weight: Float32Array; first: boolean }) => {
    const name = blockTensorName(layer, field);
    if (part?.first ?? true) hooks?.onMatmulInput?.(name, x, rows, cols);
    const type = ctx.activationTypes?.(name);
    return matmul(type ? activationsForWeight(x, type) : x, rows, cols, part?.weight ?? w[field]!, outCols, bias, ctx.matmulSums);
  };
  /** The projections of a fused tensor: one matmul per part, each part's rows of the tensor. */
  const projectParts = (field: keyof BlockWeights, x: Float32Array, cols: number, partRows: number[]) =>
    fusedParts(w[field]!, cols, partRows).map((weight, i) => project(field, x, cols, partRows[i]!, undefined, { weight, first: i === 0 }));

  const x = w.attnNorm ? rmsNormRows(hidden, rows, hp.embedding, w.attnNorm, hp.rmsEps) : hidden;
  let o = isConvLayer(hp, layer) ? shortConvMixer(x) : isMamba2Layer(hp, layer) ? mamba2Mixer(x) : attention(x);
  if (w.postAttnNorm) o = rmsNormRows(o, rows, hp.embedding, w.postAttnNorm, hp.rmsEps);
  if (hp.residualScale !== null) scaleInPlace(o, hp.residualScale);
  addInPlace(hidden, o);
  await feedForward();

  /** LFM2's convolution layer: in_proj, the short convolution over each sequence, out_proj. */
  function shortConvMixer(x: Float32Array): Float32Array {
    const E = hp.embedding;
    const y = shortConvolution(project('convIn', x, E, 3 * E), rows, E, w.conv!, hp.shortConv!.taps, ctx.spans);
    return project('convOut', y, E, E);
  }

  /** Granite 4.0-h's Mamba-2 layer: in_proj, the mixer over each sequence from a zero state, out_proj. */
  function mamba2Mixer(x: Float32Array): Float32Array {
    const s = hp.ssm!;
    const row = 2 * s.inner + 2 * s.groups * s.stateSize + s.heads;
    const zxbcdt = project('ssmIn', x, hp.embedding, row);
    const y = new Float32Array(rows * s.inner);
    const weights = { conv: w.ssmConv!, convBias: w.ssmConvBias, dtBias: w.ssmDtBias!, a: w.ssmA!, d: w.ssmD!, norm: w.ssmNorm! };
    for (const span of ctx.spans) {
      mamba2Sequence(zxbcdt.subarray(span.start * row, (span.start + span.length) * row), span.length, s, weights, hp.rmsEps, y.subarray(span.start * s.inner, (span.start + span.length) * s.inner));
    }
    return project('ssmOut', y, s.inner, hp.embedding);
  }

  function attention(x: Float32Array): Float32Array {
    const rowsOf = qkvRows(hp);
    const [q, k, v] = w.qkv ? projectParts('qkv', x, hp.embedding, rowsOf) : [
      project('q', x, hp.embedding, rowsOf[0]!, w.qBias),
      project('k', x, hp.embedding, rowsOf[1]!, w.kBias),
      project('v', x, hp.embedding, rowsOf[2]!, w.vBias),
    ] as const;
    if (w.qNorm) rmsNormRows(q, rows * qkNormGroups(w.qNorm.length, hp.headCount, hp.headDimK, 'q'), w.qNorm.length, w.qNorm, hp.rmsEps, q);
    if (w.kNorm) rmsNormRows(k, rows * qkNormGroups(w.kNorm.length, hp.headCountKv, hp.headDimK, 'k'), w.kNorm.length, w.kNorm, hp.rmsEps, k);

    const attn = new Float32Array(rows * hp.headCount * hp.headDimV);
    for (const span of ctx.spans) {
      const sq = q.subarray(span.start * hp.headCount * hp.headDimK, (span.start + span.length) * hp.headCount * hp.headDimK);
      const sk = k.subarray(span.start * hp.headCountKv * hp.headDimK, (span.start + span.length) * hp.headCountKv * hp.headDimK);
      const sv = v.subarray(span.start * hp.headCountKv * hp.headDimV, (span.start + span.length) * hp.headCountKv * hp.headDimV);
      if (hp.ropeLayers[layer]) {
        applyRope(sq, span.length, hp.headCount, hp.headDimK, ctx.rope, ctx.ropeTables);
        applyRope(sk, span.length, hp.headCountKv, hp.headDimK, ctx.rope, ctx.ropeTables);
      }
      const out = causalAttention(sq, sk, sv, {
        tokens: span.length,
        heads: hp.headCount,
        headsKv: hp.headCountKv,
        headDimK: hp.headDimK,
        headDimV: hp.headDimV,
        scale: hp.attentionScale,
        softcap: hp.attnSoftcap,
        window: hp.slidingLayers[layer] ? hp.slidingWindow : null,
        kvCache: ctx.kvCache,
        sinks: w.sinks ?? null,
      });
      attn.set(out, span.start * hp.headCount * hp.headDimV);
    }
    return project('o', attn, hp.headCount * hp.headDimV, hp.embedding, w.oBias);
  }

  /** down(glu(gate · f, up · f)) for separate gate and up tensors. */
  function gatedFeedForward(gate: 'gate' | 'gateShexp', up: 'up' | 'upShexp', down: 'down' | 'downShexp', f: Float32Array, glu: Glu): Float32Array {
    const width = w[gate]!.length / hp.embedding;
    return project(down, glu(project(gate, f, hp.embedding, width), project(up, f, hp.embedding, width)), width, hp.embedding);
  }

  async function feedForward(): Promise<void> {
    const f = w.ffnNorm ? rmsNormRows(hidden, rows, hp.embedding, w.ffnNorm, hp.rmsEps) : hidden;
    const glu = gluOf(hp.activation);
    let d: Float32Array;
    if (hp.experts) {
      const { count } = hp.experts;
      const stacked = w.gateExps && w.upExps && w.downExps ? { gateExps: w.gateExps, upExps: w.upExps, downExps: w.downExps } : null;
      if (!stacked && !ctx.experts) throw new Error(`forward: layer ${layer} has neither its expert tensors nor a source of expert matrices`);
      const width = stacked ? stacked.gateExps.length / (hp.embedding * count) : ctx.experts!.width;
      d = await moeFeedForward(f, rows, hp.embedding, w.router!, width, hp.experts, glu, {
        router: (x, _rows, cols) => project('router', x, cols, count, w.routerBias),
        // Whole tensors where the block holds them (a substituted one included), else one expert at a time.
        matrix: (field, e) => stacked?.[field].subarray(e * width * hp.embedding, (e + 1) * width * hp.embedding) ?? ctx.experts!.matrix(field, e),
        expert: (field, expert, x, n, cols, weight, outCols) => {
          const name = blockTensorName(layer, field);
          hooks?.onExpertMatmulInput?.(name, expert, hp.experts!.count, x, n, cols);
          const type = ctx.activationTypes?.(name);
          return matmul(type ? activationsForWeight(x, type) : x, n, cols, weight, outCols, undefined, ctx.matmulSums);
        },
      }, { gateExps: w.gateExpsBias, upExps: w.upExpsBias, downExps: w.downExpsBias });
      // A shared expert: a gated FFN every token goes through, added to the routed experts' sum.
      if (w.gateShexp) addInPlace(d, gatedFeedForward('gateShexp', 'upShexp', 'downShexp', f, glu));
    } else if (w.gate) {
      d = gatedFeedForward('gate', 'up', 'down', f, glu);
    } else {
      // Without a gate tensor, ffn_up holds the gate's rows and then the up rows (Phi-3).
      const ffn = w.up!.length / hp.embedding / 2;
      const [gate, up] = projectParts('up', f, hp.embedding, [ffn, ffn]);
      d = project('down', glu(gate!, up!), ffn, hp.embedding);
    }
    if (w.postFfnNorm) d = rmsNormRows(d, rows, hp.embedding, w.postFfnNorm, hp.rmsEps);
    if (hp.residualScale !== null) scaleInPlace(d, hp.residualScale);
    addInPlace(hidden, d);
  }
}
