// `node --import ./bin/register-ts.mjs bench/slider-allocation.ts [shape]`: what one move of the
// studio's budget slider costs on a real model's tensor list: budgetRange and an 'interactive'
// allocateTypes (what applyBudget runs on the main thread), over 40 steps across the range, on
// a sensitivity table of every default candidate with power-law costs (random factors).
import { allocateTypes } from '../src/core/dynamic/allocate.ts';
import { budgetRange } from '../src/core/dynamic/budget-range.ts';
import { candidateTypesFor, DEFAULT_CANDIDATES } from '../src/core/dynamic/candidate-types.ts';
import type { SensitivityTable } from '../src/core/dynamic/sensitivity-types.ts';
import { bitsPerWeight, tensorBytes } from '../src/core/ggml-type.ts';
import { planModel } from '../src/core/model/plan-model.ts';
import { nodeModelFiles } from '../src/io/node-files.node.ts';
import { Rng } from '../test/helpers/generate-model.ts';
import { isSizeModelName, type SizeModelName } from '../test/size-models/shapes.ts';
import { sizeModel } from '../test/size-models/size-models.ts';

const name = process.argv[2] ?? 'qwen3-0.6b';
if (!isSizeModelName(name)) throw new Error(`${name}: not a size model`);
const files = await nodeModelFiles(await sizeModel(name as SizeModelName, { weights: 'sparse' }));
const plan = await planModel(files);
await files.close();
const rng = new Rng(5);
const table: SensitivityTable = {
  format: 'quant-studio-sensitivity', version: 1, positions: 512,
  key: { model: name, calibration: null, imatrix: null, candidates: [...DEFAULT_CANDIDATES], measure: 'probe' },
  tensors: plan.tensors.filter((t) => t.quantizable).map((t) => {
    const scale = 1e-3 * Math.exp(rng.gaussian());
    return {
      name: t.ggufName, role: t.role, layer: t.layer, ne: [...t.ne],
      candidates: candidateTypesFor(t, DEFAULT_CANDIDATES, false).map((type) => {
        const kld = scale * 2 ** -(bitsPerWeight(type) - 2);
        return { type, bytes: tensorBytes(type, t.ne), weightedError: kld, kld, basis: 'fitted' as const };
      }),
    };
  }),
};
const locked = new Map();
const times: number[] = [];
const range = budgetRange(plan, table, locked, null);
for (let i = 0; i <= 40; i++) {
  const bpw = range.min + ((range.max - range.min) * i) / 40;
  const started = performance.now();
  budgetRange(plan, table, locked, null);
  allocateTypes({ plan, table, locked, allowed: null, target: { bitsPerWeight: bpw }, fileType: 0, effort: 'interactive' } as never);
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
console.log(`${name}: ${plan.tensors.length} tensors, ${table.tensors.length} in the table; one slider step (budgetRange + interactive allocateTypes): median ${times[20]!.toFixed(1)} ms, max ${times[40]!.toFixed(1)} ms over 41 steps`);
