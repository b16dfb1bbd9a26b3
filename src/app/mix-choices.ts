// What the studio offers: llama-quantize's named mixes (grouped for the picker), the per-tensor
// types of a mix with the user's heatmap edits on top, and the size each mix would give.
import { planGgufLayout } from '../core/export/export-gguf.ts';
import { GGML_TYPE_NAMES, isStorableType, rowFitsBlocks, tensorBytes, type GgmlTypeName } from '../core/ggml-type.ts';
import { alignUp } from '../core/gguf/gguf-header.ts';
import type { GgufKv } from '../core/gguf/gguf-value.ts';
import { imatrixMetadata } from '../core/imatrix/imatrix-metadata.ts';
import type { ModelPlan, PlannedTensor, TensorTypes } from '../core/model/plan-types.ts';
import { fallbackForRowLength, type SizeSummary } from '../core/recipe/choose-types.ts';
import { chooseMixTypes } from '../core/recipe/llama-mixes.ts';
import { MIX_NAMES, type MixName } from '../core/recipe/mix-names.ts';

export interface MixGroup {
  label: string;
  mixes: readonly MixName[];
}

const LISTED_GROUPS: readonly MixGroup[] = [
  { label: 'Float', mixes: ['F32', 'F16', 'BF16'] },
  { label: '8-bit', mixes: ['Q8_0'] },
  { label: 'K-quant mixes', mixes: ['Q6_K', 'Q5_K_M', 'Q5_K_S', 'Q4_K_M', 'Q4_K_S', 'Q3_K_L', 'Q3_K_M', 'Q3_K_S', 'Q2_K', 'Q2_K_S'] },
  { label: 'Legacy', mixes: ['Q5_1', 'Q5_0', 'Q4_1', 'Q4_0'] },
  {
    label: 'I-quants',
    mixes: ['IQ4_XS', 'IQ4_NL', 'IQ3_M', 'IQ3_S', 'IQ3_XS', 'IQ3_XXS', 'IQ2_M', 'IQ2_S', 'IQ2_XS', 'IQ2_XXS', 'IQ1_M', 'IQ1_S'],
  },
  { label: 'Ternary', mixes: ['TQ2_0', 'TQ1_0'] },
  { label: 'Sign and 2-bit (Q2_0: 64-blocks, Q1_0: 128-blocks)', mixes: ['Q2_0', 'Q1_0'] },
  { label: 'MXFP4 (mixture-of-experts models)', mixes: ['MXFP4_MOE'] },
];

/** The picker's groups, best quality first inside each; a mix added to core later lands in "Other". */
export const MIX_GROUPS: readonly MixGroup[] = (() => {
  const listed = new Set(LISTED_GROUPS.flatMap((g) => g.mixes));
  const others = MIX_NAMES.filter((m) => !listed.has(m));
  return others.length > 0 ? [...LISTED_GROUPS, { label: 'Other', mixes: others }] : LISTED_GROUPS;
})();

const IMATRIX_NEEDED = 'needs an importance matrix';
const IMATRIX_BEST = 'best with an importance matrix';

/**
 * One line of guidance per mix for the picker: what a user gives up, in words, since names such
 * as Q5_K_S say nothing to someone new. A Record, so a mix added to core without a hint fails to compile.
 */
export const MIX_HINTS: Readonly<Record<MixName, string>> = {
  F32: 'unquantized', F16: 'unquantized', BF16: 'unquantized',
  Q8_0: 'near-lossless',
  Q6_K: 'very close to F16',
  Q5_K_M: 'small loss', Q5_K_S: 'small loss', Q5_1: 'small loss (legacy)', Q5_0: 'small loss (legacy)',
  Q4_K_M: 'recommended balance', Q4_K_S: 'some loss, a bit smaller', Q4_1: 'some loss (legacy)', Q4_0: 'some loss (legacy)',
  IQ4_NL: `some loss; ${IMATRIX_BEST}`, IQ4_XS: `some loss; ${IMATRIX_BEST}`,
  Q3_K_L: 'noticeable loss', Q3_K_M: 'noticeable loss', Q3_K_S: 'noticeable loss',
  IQ3_M: `noticeable loss; ${IMATRIX_BEST}`, IQ3_S: `noticeable loss; ${IMATRIX_BEST}`,
  IQ3_XS: `noticeable loss; ${IMATRIX_BEST}`, IQ3_XXS: `noticeable loss; ${IMATRIX_BEST}`,
  Q2_K: 'large loss: for very large models', Q2_K_S: `large loss; ${IMATRIX_NEEDED}`,
  IQ2_M: `large loss; ${IMATRIX_NEEDED}`, IQ2_S: `large loss; ${IMATRIX_NEEDED}`,
  IQ2_XS: `large loss; ${IMATRIX_NEEDED}`, IQ2_XXS: `large loss; ${IMATRIX_NEEDED}`,
  IQ1_M: `very large loss; ${IMATRIX_NEEDED}`, IQ1_S: `very large loss; ${IMATRIX_NEEDED}`,
  TQ2_0: 'for ternary (BitNet-style) models', TQ1_0: 'for ternary (BitNet-style) models',
  MXFP4_MOE: 'for mixture-of-experts models',
  Q2_0: 'for models trained at 2 bits', Q1_0: 'for models trained at 1 bit',
};

/** The types a tensor may be set to by hand: every storable type whose block divides its rows. */
export function typesFittingTensor(tensor: PlannedTensor): GgmlTypeName[] {
  const rowLength = tensor.ne[0] ?? 0;
  return GGML_TYPE_NAMES.filter((t) => isStorableType(t) && rowFitsBlocks(t, rowLength));
}

export interface StudioRecipeInput {
  mix: MixName;
  hasImatrix: boolean;
  /** Heatmap edits by GGUF name; they win over the mix. */
  edits: Readonly<Record<string, GgmlTypeName>>;
}

/** The mix's choice for every tensor, then the user's edits (throws where the mix needs an imatrix). */
export function studioTensorTypes(plan: ModelPlan, input: StudioRecipeInput): TensorTypes {
  const types = chooseMixTypes(plan, { mix: input.mix, hasImatrix: input.hasImatrix });
  for (const [name, type] of Object.entries(input.edits)) {
    const tensor = plan.tensors.find((t) => t.ggufName === name);
    // An edit for a tensor of another model (the folder changed) or a fixed F32 tensor is moot.
    if (!tensor || !tensor.quantizable) continue;
    types.set(name, fallbackForRowLength(type, tensor.ne[0]!));
  }
  return types;
}

export type MixSummary = ({ ok: true } & SizeSummary) | { ok: false; reason: string };

/**
 * fileTypeSummary for many recipes of one plan. Encoding the header (the whole vocabulary) is
 * what costs, and its size does not depend on the types (a tensor's type is a fixed-size u32),
 * so it is encoded once and each recipe only adds up its aligned tensor sizes.
 */
export function sizeSummarizer(plan: ModelPlan, extraMetadata: readonly GgufKv[] = []): (types: TensorTypes) => SizeSummary {
  const anyTypes: TensorTypes = new Map(plan.tensors.map((t) => [t.ggufName, 'F32']));
  const reference = planGgufLayout(plan, anyTypes, undefined, extraMetadata);
  const dataStart = reference.tensorOffsets[0] ?? reference.totalBytes;
  const elements = plan.tensors.reduce((sum, t) => sum + t.ne.reduce((a, b) => a * b, 1), 0);
  return (types) => {
    let dataBytes = 0;
    let padded = 0;
    for (const t of plan.tensors) {
      const type = types.get(t.ggufName);
      if (!type) throw new Error(`no type chosen for tensor "${t.ggufName}"`);
      const size = tensorBytes(type, t.ne);
      dataBytes += size;
      padded += alignUp(size, reference.alignment);
    }
    return { totalBytes: dataStart + padded, bitsPerWeight: elements ? (dataBytes * 8) / elements : 0 };
  };
}

/** Every mix's file size for this model, for the picker's labels (shapes only; no weights read). */
export function mixSummaries(
  plan: ModelPlan,
  hasImatrix: boolean,
  extraMetadata: readonly GgufKv[] = [],
): Record<MixName, MixSummary> {
  const summarize = sizeSummarizer(plan, extraMetadata);
  const out = {} as Record<MixName, MixSummary>;
  for (const mix of MIX_NAMES) {
    try {
      out[mix] = { ok: true, ...summarize(chooseMixTypes(plan, { mix, hasImatrix })) };
    } catch (e) {
      out[mix] = { ok: false, reason: (e as Error).message };
    }
  }
  return out;
}

/** Types in `types` that no available quantizer writes, with the tensors that use each. */
export function unsupportedTypes(types: TensorTypes, supported: ReadonlySet<GgmlTypeName>): Map<GgmlTypeName, string[]> {
  const out = new Map<GgmlTypeName, string[]>();
  for (const [name, type] of types) {
    // F32 is copied, never quantized.
    if (type === 'F32' || supported.has(type)) continue;
    const list = out.get(type) ?? [];
    list.push(name);
    out.set(type, list);
  }
  return out;
}

export function unsupportedMessage(missing: ReadonlyMap<GgmlTypeName, string[]>): string {
  const parts = [...missing].map(([type, names]) => {
    const shown = names.slice(0, 2).join(', ');
    const more = names.length > 2 ? ` and ${names.length - 2} more` : '';
    return `${type} (${shown}${more})`;
  });
  return (
    `This browser's quantizers cannot write ${parts.join('; ')} yet. ` +
    'Choose another mix, or set those tensors to a supported type in the heatmap.'
  );
}

/** How many of the model's quantizable tensors an imatrix has weights for. */
export function imatrixCoverage(entryNames: readonly string[], plan: ModelPlan): { covered: number; quantizable: number } {
  const have = new Set(entryNames);
  const quantizable = plan.tensors.filter((t) => t.quantizable);
  return { covered: quantizable.filter((t) => have.has(t.ggufName)).length, quantizable: quantizable.length };
}

export interface LoadedImatrixInfo {
  name: string;
  entryNames: readonly string[];
  datasets: readonly string[];
  chunkCount: number;
}

/**
 * The quantize.imatrix.* keys the export will write, from what the page knows of the imatrix
 * (the worker writes the same from the real one), so the size shown counts them too.
 */
export function imatrixExtraMetadata(info: LoadedImatrixInfo | null): GgufKv[] {
  if (!info) return [];
  const entries = new Map(info.entryNames.map((n) => [n, new Float32Array(0)]));
  return imatrixMetadata({ entries, datasets: [...info.datasets], chunkCount: info.chunkCount }, info.name);
}
