// Recipes (JSON and llama-quantize tensor-type files) and sensitivity tables, against stories260K's plan.
import { allocateTypes, type Allocation } from '../../../src/core/dynamic/allocate.ts';
import { parseRecipe, recipeTypes } from '../../../src/core/dynamic/recipe.ts';
import { checkTableFitsPlan, parseSensitivityTable, sensitivityCacheKey, type SensitivityTable } from '../../../src/core/dynamic/sensitivity-types.ts';
import { GGML_TYPE_NAMES, GGML_TYPES, parseGgmlTypeName, tensorBytes, type GgmlTypeName } from '../../../src/core/ggml-type.ts';
import { planModel } from '../../../src/core/model/plan-model.ts';
import type { ModelPlan, TensorTypes } from '../../../src/core/model/plan-types.ts';
import { chooseTensorTypes, fallbackForRowLength, parseTypeOverrideFile } from '../../../src/core/recipe/choose-types.ts';
import { MIXES } from '../../../src/core/recipe/llama-mixes.ts';
import type { FuzzRng, FuzzTarget } from '../fuzz-types.ts';
import { edgeNumber, INHERITED_NAMES, mutateJson, mutateText } from '../mutate.ts';
import { storiesFolder, storiesWith } from './fixtures.ts';

let plan: Promise<ModelPlan> | undefined;
const storiesPlan = () => (plan ??= storiesFolder().then((f) => planModel(storiesWith(f, {}))));

const typeBias = (rng: FuzzRng) => rng.pick([rng.pick(GGML_TYPE_NAMES), rng.pick(INHERITED_NAMES), 'q4_0', 'Q4_K_M', edgeNumber(rng), 'blk.0.attn_v.weight', null]);

export const recipeTarget: FuzzTarget = {
  name: 'recipe',
  errorNames: /recipe\.json/,
  async prepare() {
    const p = await storiesPlan();
    const seed = {
      format: 'quant-studio-recipe', version: 1,
      provenance: { model: 'stories260K', modelFingerprint: 'x', imatrix: null, calibration: null, tool: 'quant-studio 0.1.0' },
      target: { fileBytes: 600000 }, baseMix: 'Q8_0', fileBytes: 600000, bitsPerWeight: 8.5, predictedKld: 0.01,
      tensors: p.tensors.map((t) => ({ name: t.ggufName, type: t.quantizable ? fallbackForRowLength('Q8_0', t.ne[0]!) as string : 'F32', ...(t.quantizable ? { predictedKld: 0.001 } : {}) })),
    };
    const mixes = [...Object.keys(MIXES), ...INHERITED_NAMES];
    return (rng) => {
      let text: string;
      if (rng.chance(0.4)) {
        // Well-formed but for one tensor's type or the base mix: what recipeTypes must judge.
        const copy = structuredClone(seed);
        copy.tensors[rng.int(copy.tensors.length)]!.type = rng.pick(GGML_TYPE_NAMES);
        if (rng.chance(0.3)) copy.baseMix = rng.pick(mixes);
        text = JSON.stringify(copy);
      } else text = mutateJson(seed, rng, typeBias);
      return {
        run: async () => recipeTypes(p, parseRecipe(text, 'recipe.json'), 'recipe.json'),
        check: (types) => {
          const json = JSON.parse(text) as { baseMix: string; tensors: { name: string; type: string }[] };
          if (!Object.hasOwn(MIXES, json.baseMix)) return `baseMix ${JSON.stringify(json.baseMix)} is not a mix`;
          for (const t of p.tensors) {
            const entry = json.tensors.find((e) => e.name === t.ggufName);
            if (!entry || (types as TensorTypes).get(t.ggufName) !== entry.type) return `${t.ggufName} read as ${(types as TensorTypes).get(t.ggufName)}, the recipe says ${entry?.type}`;
          }
          return null;
        },
      };
    };
  },
};

const PATTERN_SNIPPETS = ['(.*)*', '(a+)+', '(.*)*(.*)*(.*)*x', '\\', '(', '[', '{1000000}', '(?=x)', '\\1', '(?<n>a)\\k<n>', 'attn_.*', '^blk\\.0\\.', '$', '|', '=', '\n', ' ', '=q4_0', '=iq9_9', '\u0000', '.{0,100000}', '((((((((((x))))))))))'];

export const tensorTypeFileTarget: FuzzTarget = {
  name: 'tensor-type file',
  errorNames: /types\.txt|--tensor-type/,
  async prepare() {
    const p = await storiesPlan();
    const names = [...p.tensors.map((t) => t.ggufName), 'blk.0.attn_v.weight'.repeat(50), 'a'.repeat(30) + '!'];
    const seed = '^blk\\.0\\.attn_v\\.weight$=q8_0\nattn_.*=q5_1\nffn_down=q4_0\n';
    return (rng) => {
      const text = mutateText(seed, rng, PATTERN_SNIPPETS);
      return {
        run: async () => {
          const overrides = parseTypeOverrideFile(text, parseGgmlTypeName, 'types.txt');
          // Every pattern is matched against every tensor name, as choosing types does.
          for (const o of overrides) for (const n of names) o.pattern.test(n);
          return chooseTensorTypes(p, { baseType: 'Q8_0', overrides });
        },
      };
    };
  },
};

function seedTable(p: ModelPlan): SensitivityTable {
  const candidates: GgmlTypeName[] = ['Q4_0', 'Q8_0', 'F16'];
  const fits = (type: GgmlTypeName, ne: number[]) => ne[0]! % GGML_TYPES[type].blockSize === 0;
  return {
    format: 'quant-studio-sensitivity', version: 1,
    key: { model: 'stories260K', calibration: null, imatrix: null, candidates, measure: 'none' },
    positions: 128,
    tensors: p.tensors.filter((t) => t.quantizable).map((t) => ({
      name: t.ggufName, role: t.role, layer: t.layer, ne: t.ne,
      candidates: candidates.filter((type) => fits(type, t.ne)).map((type, i) => ({ type, bytes: tensorBytes(type, t.ne), weightedError: 0.01 / (i + 1), kld: 0.001 / (i + 1), basis: 'prior' as const })),
    })),
  };
}

export const sensitivityTarget: FuzzTarget = {
  name: 'sensitivity table',
  errorNames: /sensitivity\.json/,
  async prepare() {
    const p = await storiesPlan();
    const seed = seedTable(p);
    return (rng) => {
      const text = mutateJson(seed, rng, typeBias);
      return {
        run: async () => {
          const table = parseSensitivityTable(text, 'sensitivity.json');
          sensitivityCacheKey(table.key);
          checkTableFitsPlan(table, p, 'sensitivity.json');
          return { table, allocation: allocateTypes({ plan: p, table, target: { fileBytes: 2 ** 40 } }) };
        },
        check: (accepted) => {
          const { table, allocation } = accepted as { table: SensitivityTable; allocation: Allocation };
          for (const t of p.tensors.filter((x) => x.quantizable)) {
            const chosen = allocation.types.get(t.ggufName);
            const entry = table.tensors.find((e) => e.name === t.ggufName);
            const fitsAny = table.key.candidates.some((c) => t.ne[0]! % GGML_TYPES[c].blockSize === 0);
            if (!entry && !fitsAny) continue;
            if (!entry || !entry.candidates.some((c) => c.type === chosen)) return `${t.ggufName} got ${chosen}, not one of its measured candidates`;
            if (!Number.isFinite(allocation.predictedKld) || allocation.predictedKld < 0) return `predicted KL ${allocation.predictedKld}`;
          }
          return null;
        },
      };
    };
  },
};
