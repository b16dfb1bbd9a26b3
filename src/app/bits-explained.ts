// Why a small model's file costs more bits per weight than its mix's name suggests. Three kinds of
// tensor are stored wider than the mix's main type: the token embedding and output matrix (llama.cpp
// keeps them at Q6_K/Q8_0), matrices whose rows the main type's blocks do not divide (llama.cpp falls
// back to a type whose blocks do: Q5_0, Q8_0, F16), and those the mix's own rules raise (attn_v to Q6_K...). In a model of a few million weights
// these are a large share of all weights; in a large model they are a sliver and nobody asks.
import { bitsPerWeight, rowFitsBlocks, type GgmlTypeName } from '../core/ggml-type.ts';
import type { ModelPlan, TensorTypes } from '../core/model/plan-types.ts';
import { MIXES } from '../core/recipe/llama-mixes.ts';
import type { MixName } from '../core/recipe/mix-names.ts';

export type WideKind = 'embedding' | 'fallback' | 'raised';

export interface WideGroup {
  kind: WideKind;
  /** The tensors' roles (token_embd, ffn_down...), distinct, in plan order. */
  roles: string[];
  /** Their share of all the model's weights, 0..1. */
  share: number;
  /** Their types, distinct, in plan order. */
  types: GgmlTypeName[];
}

export interface BitsExplanation {
  /** Largest share first; groups too small to matter are left out. */
  groups: WideGroup[];
  /** The mix's main type and its bits per weight: what the name promises. */
  mainType: GgmlTypeName;
  nominalBits: number;
}

/** Below these the note would explain a difference nobody notices. */
const MIN_EXCESS_BITS = 0.5;
const MIN_TOTAL_SHARE = 0.1;
const MIN_GROUP_SHARE = 0.02;

const elements = (ne: readonly number[]) => ne.reduce((a, b) => a * b, 1);

function kindOf(role: string, rowLength: number, mainType: GgmlTypeName): WideKind {
  if (role === 'token_embd' || role === 'output') return 'embedding';
  return rowFitsBlocks(mainType, rowLength) ? 'raised' : 'fallback';
}

/**
 * What lifts `fileBits` well above the mix's main type, or null where nothing does noticeably
 * (a large model, an unquantized mix). Norms and other never-quantized tensors are left out:
 * they are always F32 and always a sliver.
 */
export function explainBitsPerWeight(plan: ModelPlan, types: TensorTypes, mix: MixName, fileBits: number): BitsExplanation | null {
  const mainType = MIXES[mix].defaultType;
  const nominalBits = bitsPerWeight(mainType);
  if (fileBits - nominalBits < MIN_EXCESS_BITS) return null;
  const total = plan.tensors.reduce((sum, t) => sum + elements(t.ne), 0);
  if (total === 0) return null;
  const byKind = new Map<WideKind, WideGroup>();
  for (const t of plan.tensors) {
    const type = types.get(t.ggufName);
    if (!t.quantizable || !type || bitsPerWeight(type) <= nominalBits) continue;
    const kind = kindOf(t.role, t.ne[0] ?? 0, mainType);
    const group = byKind.get(kind) ?? { kind, roles: [], share: 0, types: [] };
    group.share += elements(t.ne) / total;
    if (!group.roles.includes(t.role)) group.roles.push(t.role);
    if (!group.types.includes(type)) group.types.push(type);
    byKind.set(kind, group);
  }
  const groups = [...byKind.values()].filter((g) => g.share >= MIN_GROUP_SHARE).sort((a, b) => b.share - a.share);
  if (groups.reduce((sum, g) => sum + g.share, 0) < MIN_TOTAL_SHARE) return null;
  return { groups, mainType, nominalBits };
}

const percent = (share: number) => `${Math.round(share * 100)}%`;

/** A long list of roles would crowd the note: three, then how many more. */
const MAX_ROLES = 3;

function groupText(g: WideGroup, mainType: GgmlTypeName): string {
  const shown = g.roles.slice(0, MAX_ROLES).join(', ');
  const names = g.roles.length > MAX_ROLES ? `${shown} and ${g.roles.length - MAX_ROLES} more` : shown;
  const types = g.types.join('/');
  const one = g.roles.length === 1;
  switch (g.kind) {
    case 'embedding':
      return `${g.roles.join(' and ')} ${one ? 'holds' : 'hold'} ${percent(g.share)} of the weights and ${one ? 'stays' : 'stay'} at ${types}`;
    case 'fallback':
      return `${names} (${percent(g.share)}) ${one ? 'stays' : 'stay'} at ${types}, as ${mainType} blocks do not fit ${one ? 'its' : 'their'} rows`;
    case 'raised':
      return `${names} (${percent(g.share)}) ${one ? 'is' : 'are'} raised to ${types} by the mix's rules`;
  }
}

/** "token_embd and output hold 38% of the weights and stay at Q8_0/Q6_K. So bits per weight is higher than …" */
export function bitsExplanationText(e: BitsExplanation, mix: MixName): string {
  return (
    `In this model ${e.groups.map((g) => groupText(g, e.mainType)).join('; ')}. So bits per weight is higher than ` +
    `${mix}'s nominal ${e.nominalBits.toFixed(2)} (its main type, ${e.mainType}).`
  );
}
