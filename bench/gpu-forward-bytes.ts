// Bytes the GPU forward uploads and dispatches it records, for the generated size models (the
// real shapes, random weights; written by `npm run fixtures:size -- <name>` if missing): per
// forward, weights as float32 (before) against their stored format (now: the safetensors' halves,
// or a GGUF's blocks for a few base types); per sensitivity measurement on the GPU layer replay
// (gpu-layer-replay.ts: the base weights go up once per measurement session, as stored, and stay
// resident within its budget; each measurement uploads only its probe tensor as f32 values: mean
// and largest over the matrices), against a whole forward with that tensor replaced (the design
// before the replay); dispatches per layer.
// Computed from the tensor table (forward-cost.ts), which gpu-forward-stored-weights.test.ts checks
// against the counters of real runs; running 0.6B on SwiftShader would take hours.
//   node --import ./bin/register-ts.mjs bench/gpu-forward-bytes.ts [qwen3-0.6b smollm2-135m …]
import { forwardModelFromPlan } from '../src/core/forward/forward-model.ts';
import type { ForwardTensor } from '../src/core/forward/forward-types.ts';
import type { GgmlTypeName } from '../src/core/ggml-type.ts';
import { planModel } from '../src/core/model/plan-model.ts';
import { chooseTensorTypes } from '../src/core/recipe/choose-types.ts';
import { forwardCost, type ForwardCost } from '../src/gpu/forward/forward-cost.ts';
import { nodeModelFiles } from '../src/io/node-files.node.ts';
import { SIZE_MODEL_NAMES, type SizeModelName } from '../test/size-models/shapes.ts';
import { sizeModel } from '../test/size-models/size-models.ts';

/** A 1 GiB binding (SwiftShader's and many GPUs' limit); the chunking only changes the dispatch count. */
const MAX_BINDING = 2 ** 30;
const MB = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** Bytes uploaded per probe: its matrix as f32 (layer replay), or a whole forward with it replaced. */
function perMeasurement(cost: ForwardCost): { replay: { mean: number; max: number }; wholeForward: number } {
  const matrices = [...cost.tensorBytes.entries()].filter(([name]) => name.startsWith('blk.') && !name.includes('norm'));
  const probes = matrices.map(([, b]) => b.f32);
  const wholeForward = matrices.reduce((s, [, b]) => s + cost.weightBytes - b.stored + b.f32, 0) / matrices.length;
  return { replay: { mean: probes.reduce((a, b) => a + b, 0) / probes.length, max: Math.max(...probes) }, wholeForward };
}

async function report(name: SizeModelName): Promise<void> {
  const files = await nodeModelFiles(await sizeModel(name));
  try {
    const plan = await planModel(files);
    const model = forwardModelFromPlan(plan);
    const dtypes = new Map(plan.tensors.map((t) => [t.ggufName, t.source.kind === 'generated' ? 'F32' : t.source.dtype]));
    const stored = (t: ForwardTensor): GgmlTypeName => {
      const d = dtypes.get(t.ggufName);
      return t.ne.length > 1 && (d === 'BF16' || d === 'F16') ? d : 'F32';
    };
    const rows: [string, ForwardCost][] = [['safetensors as stored', forwardCost(model, { typeOf: stored, maxBindingBytes: MAX_BINDING })]];
    for (const base of ['Q8_0', 'Q4_K'] as const) {
      const types = chooseTensorTypes(plan, { baseType: base });
      rows.push([`GGUF base ${base}`, forwardCost(model, { typeOf: (t) => types.get(t.ggufName) ?? 'F32', maxBindingBytes: MAX_BINDING })]);
    }
    console.log(`\n${name}: ${model.hparams.layerCount} layers, embedding ${model.hparams.embedding}, vocab ${model.hparams.vocabSize}`);
    for (const [label, cost] of rows) {
      const probe = perMeasurement(cost);
      console.log(`  ${label.padEnd(22)} per forward: f32 ${MB(cost.weightBytesF32)} -> stored ${MB(cost.weightBytes)} (${(cost.weightBytesF32 / cost.weightBytes).toFixed(2)}x less);`
        + ` per sensitivity measurement: ${MB(cost.weightBytes)} once, then ${MB(probe.replay.mean)} mean, ${MB(probe.replay.max)} largest`
        + ` (a whole forward per probe: ${MB(probe.wholeForward)}, with f32 weights ${MB(cost.weightBytesF32)})`);
    }
    const d = rows[0]![1].dispatchesPerLayer;
    const withImatrix = forwardCost(model, { typeOf: stored, maxBindingBytes: MAX_BINDING, imatrix: true }).dispatchesPerLayer;
    console.log(`  dispatches per layer and group of sequences: ${d[0]} (${withImatrix[0]} collecting the imatrix)`);
  } finally {
    await files.close();
  }
}

const names = process.argv.slice(2);
for (const name of names.length > 0 ? names : ['smollm2-135m', 'qwen3-0.6b']) {
  if (!(SIZE_MODEL_NAMES as string[]).includes(name)) throw new Error(`unknown size model ${name} (one of ${SIZE_MODEL_NAMES.join(', ')})`);
  await report(name as SizeModelName);
}
