// What every GPU block run over a set of sequences shares: the rope tables, the groups of whole
// sequences (positions and sequence starts per row) and the per-group scratch buffers sized for
// the largest group. The forward pass and the sensitivity layer replay both build them here; the
// caller owns the buffers (made through its `make` and `upload`).
import { blockTensorName, fusedRows } from '../../core/forward/block-weights.ts';
import type { ForwardHparams, ForwardModel } from '../../core/forward/forward-types.ts';
import type { BlockGroup, BlockScratch, GpuBlockWeights } from './gpu-block.ts';
import { releaseGpuWeight, type GpuWeight, type GpuWeightSource, type GpuWeightUploader } from './gpu-weights.ts';

/** Every tensor a block may read (optional ones are absent in some architectures). */
export const BLOCK_FIELDS: (keyof GpuBlockWeights)[] = [
  'attnNorm', 'q', 'k', 'v', 'qkv', 'o', 'qBias', 'kBias', 'vBias', 'oBias', 'qNorm', 'kNorm', 'postAttnNorm', 'ffnNorm', 'gate', 'up', 'down', 'postFfnNorm',
  'router', 'gateExps', 'upExps', 'downExps', 'gateShexp', 'upShexp', 'downShexp', 'convIn', 'conv', 'convOut',
  'sinks', 'routerBias', 'gateExpsBias', 'upExpsBias', 'downExpsBias',
  'ssmIn', 'ssmConv', 'ssmConvBias', 'ssmDtBias', 'ssmA', 'ssmD', 'ssmNorm', 'ssmOut',
];

/** The biases of stacked expert tensors (gpt-oss), uploaded one row per expert for each expert's matmul. */
const EXPERT_BIASES: ReadonlySet<keyof GpuBlockWeights> = new Set(['gateExpsBias', 'upExpsBias', 'downExpsBias']);

/**
 * The feed-forward's width: rows of ffn_gate, of one expert of ffn_gate_exps in a MoE model (or
 * of its shared expert, where wider), or half of a fused gate|up ffn_up's (Phi-3).
 */
export function feedForwardWidth(model: ForwardModel): number {
  const fused = fusedRows(model, 0, 'up');
  if (fused) return fused[0]!;
  const field = model.hparams.experts ? 'gateExps' : 'gate';
  const t = model.tensors.get(blockTensorName(0, field));
  if (!t) throw new Error(`GpuForward: the model has no tensor "${blockTensorName(0, field)}"`);
  return Math.max(t.ne[1]!, model.tensors.get(blockTensorName(0, 'gateShexp'))?.ne[1] ?? 0);
}

/** One tensor of block `layer`, uploaded (a fused one in its projections' parts). */
export function uploadBlockWeight(
  uploader: GpuWeightUploader, model: ForwardModel, layer: number, field: keyof GpuBlockWeights, source: GpuWeightSource,
): Promise<GpuWeight> | undefined {
  const t = model.tensors.get(blockTensorName(layer, field));
  if (!t) return undefined;
  return uploader.upload(t, source, EXPERT_BIASES.has(field) ? new Array<number>(t.ne[1] ?? 1).fill(1) : fusedRows(model, layer, field));
}

/**
 * Every tensor of block `layer`, uploaded; `onUploaded` sees each (to count bytes). On failure the
 * uploaded ones are released. `lazyExperts`: the stacked expert tensors are left out, for a block
 * that uploads each routed expert's matrices alone (MoeHost.expertMatrix).
 */
export async function uploadBlockWeights(
  uploader: GpuWeightUploader, model: ForwardModel, layer: number, source: GpuWeightSource, onUploaded?: (w: GpuWeight) => void,
  options: { lazyExperts?: boolean } = {},
): Promise<GpuBlockWeights> {
  const w: GpuBlockWeights = {};
  try {
    for (const field of BLOCK_FIELDS) {
      if (options.lazyExperts && (field === 'gateExps' || field === 'upExps' || field === 'downExps')) continue;
      const uploaded = await uploadBlockWeight(uploader, model, layer, field, source);
      if (uploaded) { w[field] = uploaded; onUploaded?.(uploaded); }
    }
  } catch (e) {
    for (const weight of Object.values(w)) releaseGpuWeight(weight);
    throw e;
  }
  return w;
}

/** Scratch budget that decides the default group size (a whole sequence is never split). */
const SCRATCH_BUDGET_BYTES = 256 * 2 ** 20;

export interface BlockResources {
  rope: { cos: GPUBuffer; sin: GPUBuffer };
  groups: BlockGroup[];
  scratch: BlockScratch;
}

export interface BlockResourceArgs {
  device: GPUDevice;
  hp: ForwardHparams;
  /** The feed-forward width (feedForwardWidth). */
  ffn: number;
  spans: readonly { start: number; length: number }[];
  tables: { cos: Float32Array; sin: Float32Array };
  /** Rows per group; default from the scratch budget and the device's binding limit. */
  maxGroupRows?: number;
  make: (name: string, bytes: number) => GPUBuffer;
  upload: (name: string, data: Float32Array | Uint32Array) => GPUBuffer;
}

export function createBlockResources(a: BlockResourceArgs): BlockResources {
  const { hp, ffn, spans, make, upload } = a;
  const E = hp.embedding;
  const rope = { cos: upload('ropeCos', a.tables.cos), sin: upload('ropeSin', a.tables.sin) };
  const experts = hp.experts;
  const ssm = hp.ssm;
  const ssmChannels = ssm ? ssm.inner + 2 * ssm.groups * ssm.stateSize : 0;
  const ssmRow = ssm ? ssmChannels + ssm.inner + ssm.heads : 0;
  const widest = Math.max(hp.headCount * Math.max(hp.headDimK, hp.headDimV), ffn, E, experts ? experts.used * E : 0, hp.shortConv ? 3 * E : 0, ssmRow);
  const groupRows = a.maxGroupRows ?? Math.max(1, Math.floor(Math.min(SCRATCH_BUDGET_BYTES / 10, a.device.limits.maxStorageBufferBindingSize) / (4 * widest)));
  const groups = groupSequences(spans, groupRows).map((g, i): BlockGroup => {
    const positions = new Uint32Array(g.rows);
    const seqStart = new Uint32Array(g.rows);
    for (const s of spans) {
      if (s.start < g.start || s.start >= g.start + g.rows) continue;
      for (let p = 0; p < s.length; p++) { positions[s.start - g.start + p] = p; seqStart[s.start - g.start + p] = s.start - g.start; }
    }
    return { ...g, positions: upload(`group${i}.positions`, positions), seqStart: upload(`group${i}.seqStart`, seqStart) };
  });
  const maxRows = Math.max(...groups.map((g) => g.rows));
  const f = (n: number) => maxRows * n * 4;
  const scratch: BlockScratch = {
    x: make('x', f(E)), q: make('q', f(hp.headCount * hp.headDimK)), qn: make('qn', f(hp.headCount * hp.headDimK)),
    k: make('k', f(hp.headCountKv * hp.headDimK)), kn: make('kn', f(hp.headCountKv * hp.headDimK)), v: make('v', f(hp.headCountKv * hp.headDimV)),
    attn: make('attn', f(hp.headCount * hp.headDimV)), o: make('o', f(E)), gate: make('gate', f(ffn)), up: make('up', f(ffn)),
    placeholder: make('placeholder', 16),
    moe: experts ? {
      route: make('moeRoute', f(experts.count)), xe: make('moeXe', f(E)), de: make('moeDe', f(E)), slots: make('moeSlots', f(experts.used * E)),
      picks: make('moePicks', f(experts.used)), weights: make('moeWeights', f(experts.used)),
    } : undefined,
    conv: hp.shortConv ? { bcx: make('convBcx', f(3 * E)), y: make('convY', f(E)) } : undefined,
    ssm: ssm ? { zxbcdt: make('ssmZxbcdt', f(ssmRow)), xbc: make('ssmXbc', f(ssmChannels)), y: make('ssmY', f(ssm.inner)), yn: make('ssmYn', f(ssm.inner)) } : undefined,
  };
  return { rope, groups, scratch };
}

/** Consecutive whole sequences, at most maxRows rows per group unless one sequence alone is longer. */
export function groupSequences(spans: readonly { start: number; length: number }[], maxRows: number): { start: number; rows: number }[] {
  const groups: { start: number; rows: number }[] = [];
  for (const s of spans) {
    const last = groups[groups.length - 1];
    if (last && last.rows + s.length <= maxRows) last.rows += s.length;
    else groups.push({ start: s.start, rows: s.length });
  }
  return groups;
}
