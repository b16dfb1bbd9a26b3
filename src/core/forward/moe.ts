// A mixture-of-experts feed-forward over all tokens of a pass, as llama.cpp's build_moe_ffn
// computes it: router logits (plus the router's bias, gpt-oss), softmax, the top-k experts per
// token, their weights (renormalised to sum 1 where the architecture says so; or, gpt-oss, the
// top-k of the logits weighted by a softmax over those k), then each expert's gated FFN (with
// the expert's biases where it has them) over only the tokens routed to it, and per token the
// weighted outputs summed in slot order. Experts no token chose are never touched (nor read,
// where the caller reads expert matrices one at a time).
import type { ExpertRouting } from './forward-types.ts';
import type { Glu } from './ops.ts';

const fround = Math.fround;

/** ggml_soft_max of each row of `logits` (rows × n), in place: exps in float, their sum in double. */
export function softmaxRows(logits: Float32Array, rows: number, n: number): Float32Array {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let max = -Infinity;
    for (let i = 0; i < n; i++) max = Math.max(max, logits[o + i]!);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (logits[o + i] = fround(Math.exp(logits[o + i]! - max)));
    const scale = fround(1 / sum);
    for (let i = 0; i < n; i++) logits[o + i] = fround(logits[o + i]! * scale);
  }
  return logits;
}

/** Each token's chosen experts (best first) and their weights, `used` per token. */
export interface Routes {
  experts: Int32Array;
  weights: Float32Array;
}

/** The smallest sum llama.cpp divides by when renormalising (the least normal half). */
const MIN_WEIGHT_SUM = 6.103515625e-5;

/** Top-k of each row of router probabilities (ties to the lower expert), weights renormalised where asked. */
export function routeTokens(probs: Float32Array, rows: number, routing: ExpertRouting): Routes {
  const { count, used } = routing;
  const experts = new Int32Array(rows * used);
  const weights = new Float32Array(rows * used);
  const order = Array.from({ length: count }, (_, i) => i);
  for (let r = 0; r < rows; r++) {
    const p = probs.subarray(r * count, (r + 1) * count);
    order.sort((a, b) => p[b]! - p[a]! || a - b);
    let sum = 0;
    for (let k = 0; k < used; k++) {
      experts[r * used + k] = order[k]!;
      weights[r * used + k] = p[order[k]!]!;
      sum += p[order[k]!]!;
    }
    if (routing.normalizeWeights) {
      const d = Math.max(fround(sum), MIN_WEIGHT_SUM);
      for (let k = 0; k < used; k++) weights[r * used + k] = fround(weights[r * used + k]! / d);
    }
  }
  return { experts, weights };
}

/** The routes of `rows` tokens from the router's logits (rows × experts, consumed), by the routing's gating. */
export function routeFromLogits(logits: Float32Array, rows: number, routing: ExpertRouting): Routes {
  if (routing.gating === 'softmax') return routeTokens(softmaxRows(logits, rows, routing.count), rows, routing);
  const routes = routeTokens(logits, rows, routing);
  softmaxRows(routes.weights, rows, routing.used);
  return routes;
}

/**
 * The (token, slot) picks, pick = token * used + slot, grouped expert by expert: expert e's are
 * picks[starts[e] .. starts[e + 1]), slot by slot and tokens in order within each (the order in
 * which llama-imatrix adds a routed matmul's rows). One counting pass, whatever the expert count.
 */
export function expertPicks(routes: Routes, rows: number, routing: ExpertRouting): { picks: Uint32Array; starts: Uint32Array } {
  const { count, used } = routing;
  const starts = new Uint32Array(count + 1);
  for (let i = 0; i < rows * used; i++) starts[routes.experts[i]! + 1]!++;
  for (let e = 0; e < count; e++) starts[e + 1]! += starts[e]!;
  const next = starts.slice(0, count);
  const picks = new Uint32Array(rows * used);
  for (let k = 0; k < used; k++) {
    for (let r = 0; r < rows; r++) {
      const pick = r * used + k;
      picks[next[routes.experts[pick]!]!++] = pick;
    }
  }
  return { picks, starts };
}

/** A stacked expert tensor of a MoE layer. */
export type ExpertField = 'gateExps' | 'upExps' | 'downExps';

export interface MoeCallbacks {
  /** The router's matmul (a plain weight): may round the activations, sees them for the imatrix. */
  router(x: Float32Array, rows: number, cols: number): Float32Array;
  /** Expert e's matrix of a stacked tensor (ne[0] × ne[1] values), asked for only when tokens were routed to e. */
  matrix(which: ExpertField, expert: number): Float32Array | Promise<Float32Array>;
  /** One expert's matmul over the rows routed to it. */
  expert(which: ExpertField, expert: number, x: Float32Array, rows: number, cols: number, w: Float32Array, outCols: number): Float32Array;
}

/** Per-expert biases of the stacked tensors (gpt-oss): ne [outputs, experts], expert e's at e·outputs. */
export type ExpertBiases = Partial<Record<ExpertField, Float32Array>>;

/** Adds expert `expert`'s bias row to each of the `rows` outputs of width `width`, in place. */
function addExpertBias(y: Float32Array, rows: number, width: number, bias: Float32Array | undefined, expert: number): Float32Array {
  if (!bias) return y;
  const b = bias.subarray(expert * width, (expert + 1) * width);
  if (b.length !== width) throw new Error(`forward: an expert bias of ${bias.length} values has no expert ${expert} of width ${width}`);
  for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) y[r * width + j] = fround(y[r * width + j]! + b[j]!);
  return y;
}

/**
 * The MoE output for `x` (rows × n_embd): experts of width `ff`, routed by `router` (ne [n_embd,
 * experts]; its matmul, bias included, is `calls.router`'s), their gate and up combined by `glu`.
 */
export async function moeFeedForward(
  x: Float32Array, rows: number, embedding: number, router: Float32Array, ff: number, routing: ExpertRouting, glu: Glu, calls: MoeCallbacks,
  biases: ExpertBiases = {},
): Promise<Float32Array> {
  const { count, used } = routing;
  if (router.length !== embedding * count) throw new Error(`forward: the router has ${router.length} values, not ${count} experts of width ${embedding}`);
  const routes = routeFromLogits(calls.router(x, rows, embedding), rows, routing);
  // Per (token, slot): the expert's output times its weight, summed per token afterwards in slot order.
  const slotOut = new Float32Array(rows * used * embedding);
  const grouped = expertPicks(routes, rows, routing);
  for (let e = 0; e < count; e++) {
    const picks = grouped.picks.subarray(grouped.starts[e]!, grouped.starts[e + 1]!);
    if (picks.length === 0) continue;
    const n = picks.length;
    const xe = new Float32Array(n * embedding);
    picks.forEach((pick, i) => xe.set(x.subarray(Math.floor(pick / used) * embedding, (Math.floor(pick / used) + 1) * embedding), i * embedding));
    const matrix = async (which: ExpertField) => {
      const m = await calls.matrix(which, e);
      if (m.length !== ff * embedding) throw new Error(`forward: expert ${e} of ${which} has ${m.length} values, not ${ff} × ${embedding}`);
      return m;
    };
    const gate = addExpertBias(calls.expert('gateExps', e, xe, n, embedding, await matrix('gateExps'), ff), n, ff, biases.gateExps, e);
    const up = addExpertBias(calls.expert('upExps', e, xe, n, embedding, await matrix('upExps'), ff), n, ff, biases.upExps, e);
    const h = glu(gate, up);
    const down = addExpertBias(calls.expert('downExps', e, h, n, ff, await matrix('downExps'), embedding), n, embedding, biases.downExps, e);
    picks.forEach((pick, i) => {
      const weight = routes.weights[pick]!;
      for (let j = 0; j < embedding; j++) slotOut[pick * embedding + j] = fround(down[i * embedding + j]! * weight);
    });
  }
  const out = new Float32Array(rows * embedding);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < used; k++) {
      const from = (r * used + k) * embedding;
      for (let j = 0; j < embedding; j++) out[r * embedding + j] = fround(out[r * embedding + j]! + slotOut[from + j]!);
    }
  }
  return out;
}
