// A recipe: every tensor's type, with where it came from (model, imatrix, calibration set, tool,
// target, predicted KL), as JSON the studio saves and `quant-studio quantize --recipe` reads.
import { GGML_TYPE_NAMES, GGML_TYPES, isQuantizedType, rowFitsBlocks, type GgmlTypeName } from '../ggml-type.ts';
import type { ModelPlan, TensorTypes } from '../model/plan-types.ts';
import { MIXES } from '../recipe/llama-mixes.ts';
import type { MixName } from '../recipe/mix-names.ts';
import { JsonFields } from '../json-input.ts';
import type { Allocation, AllocationTarget } from './allocate.ts';

export interface RecipeProvenance {
  /** "owner/repo@revision", or the folder's fingerprint (planFingerprint). */
  model: string;
  modelFingerprint: string;
  imatrix: string | null;
  calibration: string | null;
  /** "quant-studio <version>". */
  tool: string;
}

export interface RecipeTensor {
  name: string;
  type: GgmlTypeName;
  predictedKld?: number;
  locked?: boolean;
}

export interface Recipe {
  format: 'quant-studio-recipe';
  version: 1;
  provenance: RecipeProvenance;
  target: AllocationTarget | null;
  /**
   * llama-quantize's TYPE argument (with --pure) and so general.file_type: the mix whose default
   * type is the recipe's most common quantized type by weights.
   */
  baseMix: MixName;
  fileBytes: number;
  bitsPerWeight: number;
  predictedKld: number | null;
  tensors: RecipeTensor[];
}

/** The mix llama-quantize is run with for each dominant type (its default type is that type). */
const MIX_OF_TYPE: Partial<Record<GgmlTypeName, MixName>> = {
  F32: 'F32', F16: 'F16', BF16: 'BF16', Q8_0: 'Q8_0', Q6_K: 'Q6_K', Q5_K: 'Q5_K_M', Q5_1: 'Q5_1', Q5_0: 'Q5_0',
  Q4_K: 'Q4_K_M', Q4_1: 'Q4_1', Q4_0: 'Q4_0', IQ4_NL: 'IQ4_NL', IQ4_XS: 'IQ4_XS', Q3_K: 'Q3_K_M', IQ3_S: 'IQ3_S',
  IQ3_XXS: 'IQ3_XXS', Q2_K: 'Q2_K', IQ2_S: 'IQ2_M', IQ2_XS: 'IQ2_XS', IQ2_XXS: 'IQ2_XXS', IQ1_M: 'IQ1_M', IQ1_S: 'IQ1_S',
  TQ2_0: 'TQ2_0', TQ1_0: 'TQ1_0', Q2_0: 'Q2_0', Q1_0: 'Q1_0',
};

export function baseMixFor(plan: ModelPlan, types: TensorTypes): MixName {
  const weight = new Map<GgmlTypeName, number>();
  for (const t of plan.tensors) {
    const type = types.get(t.ggufName)!;
    if (t.quantizable && isQuantizedType(type) && MIX_OF_TYPE[type]) weight.set(type, (weight.get(type) ?? 0) + t.ne.reduce((a, b) => a * b, 1));
  }
  // A file with no quantized tensor: llama-quantize needs a quantized default for --tensor-type to apply.
  const top = [...weight.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'Q8_0';
  return MIX_OF_TYPE[top]!;
}

export function buildRecipe(plan: ModelPlan, allocation: Allocation, provenance: RecipeProvenance, target: AllocationTarget | null): Recipe {
  return {
    format: 'quant-studio-recipe', version: 1, provenance, target,
    baseMix: baseMixFor(plan, allocation.types),
    fileBytes: allocation.fileBytes, bitsPerWeight: allocation.bitsPerWeight, predictedKld: allocation.predictedKld,
    tensors: plan.tensors.map((t) => {
      const c = allocation.choices.get(t.ggufName)!;
      return { name: t.ggufName, type: c.type, ...(t.quantizable ? { predictedKld: c.kld } : {}), ...(c.locked ? { locked: true } : {}) };
    }),
  };
}

/** More tensors than any model has; a recipe past it is not one. */
export const MAX_RECIPE_TENSORS = 100_000;

function parseJson(json: string, what: string): unknown {
  try {
    return JSON.parse(json);
  } catch (e) {
    throw new Error(`${what}: not JSON (${(e as Error).message})`);
  }
}

function parseTarget(fields: JsonFields): AllocationTarget | null {
  if (!fields.has('target')) return null;
  const target = fields.object('target');
  if (target.has('fileBytes')) return { fileBytes: target.integer('fileBytes', 1, Number.MAX_SAFE_INTEGER) };
  return { bitsPerWeight: target.number('bitsPerWeight', 0, 64) };
}

function parseProvenance(fields: JsonFields): RecipeProvenance {
  const p = fields.object('provenance');
  return { model: p.string('model'), modelFingerprint: p.optionalString('modelFingerprint') ?? '', imatrix: p.optionalString('imatrix'), calibration: p.optionalString('calibration'), tool: p.optionalString('tool') ?? '' };
}

/** A recipe file, every field checked (the studio and the CLI use them all). */
export function parseRecipe(json: string, what = 'recipe'): Recipe {
  const fields = JsonFields.of(parseJson(json, what), what);
  if (fields.record.format !== 'quant-studio-recipe' || fields.record.version !== 1) throw new Error(`${what}: not a quant-studio recipe (format/version)`);
  const baseMix = fields.oneOf<MixName>('baseMix', MIXES, 'a llama-quantize file type');
  const tensors = fields.array('tensors', MAX_RECIPE_TENSORS).map((entry, i): RecipeTensor => {
    const t = JsonFields.of(entry, `${what}: tensors[${i}]`);
    const name = t.string('name', 256);
    const type = JsonFields.of(entry, `${what}: tensor "${name}"`).oneOf<GgmlTypeName>('type', GGML_TYPE_NAMES, 'a ggml type name');
    const predictedKld = t.optionalNumber('predictedKld');
    if (t.has('locked') && typeof t.record.locked !== 'boolean') t.fail('locked', 'true or false');
    return { name, type, ...(predictedKld !== null ? { predictedKld } : {}), ...(t.record.locked === true ? { locked: true } : {}) };
  });
  return {
    format: 'quant-studio-recipe', version: 1,
    provenance: parseProvenance(fields),
    target: parseTarget(fields),
    baseMix,
    fileBytes: fields.integer('fileBytes', 0, Number.MAX_SAFE_INTEGER),
    bitsPerWeight: fields.number('bitsPerWeight', 0, 64),
    predictedKld: fields.optionalNumber('predictedKld'),
    tensors,
  };
}

/** The recipe's types for this model, checked: every tensor named once, every type fits its rows. */
export function recipeTypes(plan: ModelPlan, recipe: Recipe, what = 'recipe'): TensorTypes {
  const byName = new Map<string, GgmlTypeName>();
  for (const t of recipe.tensors) {
    if (byName.has(t.name)) throw new Error(`${what}: tensor "${t.name}" is listed twice`);
    byName.set(t.name, t.type);
  }
  const types: TensorTypes = new Map();
  for (const t of plan.tensors) {
    const type = byName.get(t.ggufName);
    if (!type) throw new Error(`${what}: the model's tensor "${t.ggufName}" has no type in the recipe (made for another model?)`);
    if (!t.quantizable && type !== 'F32') throw new Error(`${what}: tensor "${t.ggufName}" is never quantized; the recipe says ${type}`);
    if (!rowFitsBlocks(type, t.ne[0]!)) throw new Error(`${what}: tensor "${t.ggufName}" rows of ${t.ne[0]} do not fit ${type} blocks of ${GGML_TYPES[type].blockSize}`);
    types.set(t.ggufName, type);
    byName.delete(t.ggufName);
  }
  if (byName.size > 0) throw new Error(`${what}: tensor "${[...byName.keys()][0]}" is not in this model (made for another model?)`);
  return types;
}
