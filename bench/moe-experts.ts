// What reading MoE experts one at a time saves at real width: a CPU forward over a generated
// model with Qwen3-30B-A3B's layer shape (hidden 2048, 128 experts of width 768, 8 per token,
// random BF16 weights; two layers, written once to the cache), run with the plan's source (each
// routed expert read alone) and with a wrapper that loads each layer's expert tensors whole.
// Prints the safetensors bytes each read, the peak resident memory after each and the time.
//   node --import ./bin/register-ts.mjs bench/moe-experts.ts [TOKENS]
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { ModelFiles } from '../src/core/bytes-io.ts';
import { forwardModelFromPlan } from '../src/core/forward/forward-model.ts';
import type { WeightSource } from '../src/core/forward/forward-types.ts';
import { runForward } from '../src/core/forward/run-forward.ts';
import { planWeights } from '../src/core/forward/weights.ts';
import { planModel } from '../src/core/model/plan-model.ts';
import { nodeModelFiles } from '../src/io/node-files.node.ts';
import { generateArchModel } from '../test/helpers/generate-arch-model.ts';
import { Rng } from '../test/helpers/generate-model.ts';

const tokens = Number(process.argv[2] ?? 64);
const folder = path.join(process.env.QUANT_STUDIO_CACHE ?? path.join(homedir(), '.cache/quant-studio'), 'bench', 'qwen3moe-30b-a3b-width');
if (!existsSync(path.join(folder, 'tokenizer_config.json'))) {
  console.log(`writing ${folder} (2 layers at Qwen3-30B-A3B's width, about 2.5 GB) …`);
  await generateArchModel('qwen3moe', folder, { hidden: 2048, scale: 0.02, experts: { count: 128, used: 8, ff: 768 } });
}

function counting(files: ModelFiles): ModelFiles & { bytesRead: number } {
  const counted = {
    label: files.label, bytesRead: 0, names: () => files.names(),
    open(name: string) {
      const source = files.open(name);
      if (!source || !name.endsWith('.safetensors')) return source;
      return { name: source.name, size: source.size, read: (offset: number, length: number) => { counted.bytesRead += length; return source.read(offset, length); } };
    },
  };
  return counted;
}

const files = await nodeModelFiles(folder);
try {
  const plan = await planModel(files);
  const model = forwardModelFromPlan(plan);
  const rng = new Rng(3);
  const sequences = [Array.from({ length: tokens }, () => Math.floor(rng.uniform() * model.hparams.vocabSize))];
  const expertBytes = plan.tensors.filter((t) => t.ggufName.includes('_exps')).reduce((n, t) => n + t.ne.reduce((a, b) => a * b, 1) * 2, 0);
  const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;
  console.log(`${tokens} tokens, ${model.hparams.layerCount} layers; expert tensors ${gib(expertBytes)} BF16 (${gib(expertBytes * 2)} as f32)`);
  for (const mode of ['one expert at a time', 'whole expert tensors'] as const) {
    const source = counting(files);
    const base = planWeights(plan, source);
    // Any wrapper hides the plan's expert reader: the forward then loads each expert tensor whole.
    const weights: WeightSource = mode === 'one expert at a time' ? base : (t) => base(t);
    const start = performance.now();
    let routedRows = 0;
    await runForward(model, weights, { sequences, hooks: { onExpertMatmulInput: (name, _e, _n, _x, rows) => { if (name.endsWith('gate_exps.weight')) routedRows += rows; } } });
    const seconds = (performance.now() - start) / 1000;
    console.log(`${mode}: read ${gib(source.bytesRead)}, peak RSS so far ${gib(process.resourceUsage().maxRSS * 1024)}, ${seconds.toFixed(1)} s (${routedRows} routed rows)`);
  }
} finally {
  await files.close();
}
