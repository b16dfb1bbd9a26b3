// The heatmap's grid: a row per block, a column per tensor role that occurs inside blocks, and a
// strip for the tensors outside them (embeddings, output, final norm).
import type { ModelPlan, PlannedTensor, TensorRole } from '../core/model/plan-types.ts';

/** Column order: the order data flows through a block. */
const ROLE_ORDER: readonly TensorRole[] = [
  'attn_norm', 'attn_qkv', 'attn_q', 'attn_q_bias', 'attn_q_norm', 'attn_k', 'attn_k_bias', 'attn_k_norm',
  'attn_v', 'attn_v_bias', 'attn_sinks', 'attn_output', 'attn_output_bias', 'post_attention_norm', 'shortconv_in', 'shortconv_conv', 'shortconv_out',
  'ssm_in', 'ssm_conv1d', 'ssm_conv1d_bias', 'ssm_dt_bias', 'ssm_a', 'ssm_d', 'ssm_norm', 'ssm_out',
  'ffn_norm', 'ffn_gate_inp', 'ffn_gate_inp_bias', 'ffn_gate_exps', 'ffn_gate_exps_bias', 'ffn_up_exps', 'ffn_up_exps_bias', 'ffn_down_exps', 'ffn_down_exps_bias',
  'ffn_gate_shexp', 'ffn_up_shexp', 'ffn_down_shexp',
  'ffn_gate', 'ffn_up', 'ffn_down', 'post_ffw_norm',
  'token_embd', 'output_norm', 'output', 'rope_freqs', 'rope_factors_long', 'rope_factors_short',
];

export interface HeatmapRow {
  layer: number;
  /** One entry per column; null where this block lacks that role. */
  cells: (PlannedTensor | null)[];
}

export interface HeatmapLayout {
  columns: TensorRole[];
  /** Each column's header (roleLabel, except where a tensor holds more than its role says). */
  labels: string[];
  /** Consecutive columns under one heading (attention, ffn; a MoE layer's router, experts and shared expert apart). */
  groups: { label: string; span: number }[];
  rows: HeatmapRow[];
  globals: PlannedTensor[];
}

/** The heading a block column sits under. */
function groupOf(role: TensorRole): string {
  if (role === 'ffn_gate_inp' || role === 'ffn_gate_inp_bias') return 'router';
  if (role.endsWith('_exps') || role.endsWith('_exps_bias')) return 'experts';
  if (role.endsWith('_shexp')) return 'shared expert';
  if (role.startsWith('shortconv_')) return 'short conv';
  if (role.startsWith('ssm_')) return 'mamba-2';
  return role.startsWith('attn_') || role === 'post_attention_norm' ? 'attention' : 'ffn';
}

function columnGroups(columns: readonly TensorRole[]): HeatmapLayout['groups'] {
  const groups: HeatmapLayout['groups'] = [];
  for (const role of columns) {
    const label = groupOf(role);
    const last = groups.at(-1);
    if (last?.label === label) last.span++;
    else groups.push({ label, span: 1 });
  }
  return groups;
}

function roleRank(role: TensorRole): number {
  const i = ROLE_ORDER.indexOf(role);
  return i < 0 ? ROLE_ORDER.length : i;
}

export function heatmapLayout(plan: ModelPlan): HeatmapLayout {
  const inBlocks = plan.tensors.filter((t) => t.layer !== null);
  const columns = [...new Set(inBlocks.map((t) => t.role))].sort((a, b) => roleRank(a) - roleRank(b));
  const byLayer = new Map<number, Map<TensorRole, PlannedTensor>>();
  for (const t of inBlocks) {
    let roles = byLayer.get(t.layer!);
    if (!roles) byLayer.set(t.layer!, (roles = new Map()));
    roles.set(t.role, t);
  }
  const rows = [...byLayer.keys()]
    .sort((a, b) => a - b)
    .map((layer) => ({ layer, cells: columns.map((role) => byLayer.get(layer)!.get(role) ?? null) }));
  const globals = plan.tensors.filter((t) => t.layer === null).sort((a, b) => roleRank(a.role) - roleRank(b.role));
  // Without an ffn_gate, a dense ffn_up holds the gate's rows and the up rows (Phi-3).
  const labels = columns.map((role) => (role === 'ffn_up' && !columns.includes('ffn_gate') ? 'gate|up' : roleLabel(role)));
  return { columns, labels, groups: columnGroups(columns), rows, globals };
}

const ROLE_LABELS: Record<TensorRole, string> = {
  token_embd: 'token embd', output: 'output', output_norm: 'output norm', rope_freqs: 'rope freqs', rope_factors_long: 'rope factors (long)', rope_factors_short: 'rope factors (short)',
  attn_norm: 'attn norm', attn_qkv: 'QKV', attn_q: 'Q', attn_k: 'K', attn_v: 'V', attn_output: 'attn out',
  attn_q_norm: 'Q norm', attn_k_norm: 'K norm', attn_q_bias: 'Q bias', attn_k_bias: 'K bias', attn_v_bias: 'V bias',
  ffn_norm: 'ffn norm', ffn_gate: 'gate', ffn_up: 'up', ffn_down: 'down',
  ffn_gate_inp: 'router', ffn_gate_exps: 'experts gate', ffn_up_exps: 'experts up', ffn_down_exps: 'experts down',
  post_attention_norm: 'post attn norm', post_ffw_norm: 'post ffn norm',
  shortconv_in: 'conv in', shortconv_conv: 'conv', shortconv_out: 'conv out',
  ffn_gate_shexp: 'shared gate', ffn_up_shexp: 'shared up', ffn_down_shexp: 'shared down',
  attn_sinks: 'sinks', attn_output_bias: 'out bias', ffn_gate_inp_bias: 'router bias',
  ffn_gate_exps_bias: 'gate bias', ffn_up_exps_bias: 'up bias', ffn_down_exps_bias: 'down bias',
  ssm_in: 'ssm in', ssm_conv1d: 'conv', ssm_conv1d_bias: 'conv bias', ssm_dt_bias: 'dt bias', ssm_a: 'A', ssm_d: 'D', ssm_norm: 'ssm norm', ssm_out: 'ssm out',
};

/** Short column headers: the block prefix is implied by the row. */
export function roleLabel(role: TensorRole): string {
  return ROLE_LABELS[role];
}
