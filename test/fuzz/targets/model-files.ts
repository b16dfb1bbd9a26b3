// A model folder's JSON files through planModel: config.json, generation_config.json, tokenizer.json
// and tokenizer_config.json, each mutated in turn on stories260K.
import { loadCalibrationTokenizer } from '../../../src/core/calibration/calibration-tokenizer.ts';
import type { GgufKv } from '../../../src/core/gguf/gguf-value.ts';
import { planModel } from '../../../src/core/model/plan-model.ts';
import type { ModelPlan } from '../../../src/core/model/plan-types.ts';
import type { FuzzRng, FuzzTarget } from '../fuzz-types.ts';
import { edgeNumber, mutateJson, mutateJsonTree, randomString } from '../mutate.ts';
import { storiesFolder, storiesWith } from './fixtures.ts';

const RANGES: Record<string, [number, number]> = {
  u8: [0, 255], i8: [-128, 127], u16: [0, 65535], i16: [-32768, 32767], u32: [0, 2 ** 32 - 1], i32: [-(2 ** 31), 2 ** 31 - 1],
};

/** A metadata value that does not fit the type it is written as (it would wrap or turn infinite). */
function misfitValue(kv: GgufKv): string | null {
  const v = kv.value;
  const fits = (type: string, n: number) => {
    if (type === 'f32') return Number.isFinite(Math.fround(n));
    const range = RANGES[type];
    return !range || (Number.isInteger(n) && n >= range[0] && n <= range[1]);
  };
  if (v.type === 'array' && v.itemType !== 'string' && v.itemType !== 'bool' && v.itemType !== 'u64' && v.itemType !== 'i64') {
    for (let i = 0; i < v.value.length; i++) if (!fits(v.itemType, v.value[i] as number)) return `${kv.key}[${i}] = ${v.value[i]} does not fit ${v.itemType}`;
  } else if (typeof v.value === 'number' && !fits(v.type, v.value)) return `${kv.key} = ${v.value} does not fit ${v.type}`;
  return null;
}

/**
 * The shapes llama.cpp's loader expects from the hyperparameters written in the file (llama
 * family): n_embd, n_head, n_head_kv, head size (key_length, else n_embd / n_head), n_ff, n_vocab.
 */
function shapeMismatch(plan: ModelPlan): string | null {
  const kv = (k: string) => plan.metadata.find((m) => m.key === `${plan.architecture}.${k}`)?.value.value as number | undefined;
  const embd = kv('embedding_length')!;
  const head = kv('attention.head_count')!;
  const headKv = kv('attention.head_count_kv') ?? head;
  const headDim = kv('attention.key_length') ?? embd / head;
  const ff = kv('feed_forward_length')!;
  const blocks = kv('block_count')!;
  const vocab = plan.tensors.find((t) => t.ggufName === 'token_embd.weight')!.ne[1]!;
  const expected: Record<string, number[]> = {
    token_embd: [embd, vocab], output: [embd, vocab], output_norm: [embd], attn_norm: [embd], ffn_norm: [embd],
    attn_q: [embd, head * headDim], attn_k: [embd, headKv * headDim], attn_v: [embd, headKv * headDim], attn_output: [head * headDim, embd],
    ffn_gate: [embd, ff], ffn_up: [embd, ff], ffn_down: [ff, embd],
  };
  for (const t of plan.tensors) {
    const want = expected[t.role];
    if (want && want.join() !== t.ne.join()) return `${t.ggufName} has ne [${t.ne}] but the metadata implies [${want}]`;
    if (t.layer !== null && t.layer >= blocks) return `${t.ggufName} is past block_count ${blocks}`;
  }
  return null;
}

function checkPlan(plan: ModelPlan): string | null {
  for (const kv of plan.metadata) {
    const misfit = misfitValue(kv);
    if (misfit) return misfit;
  }
  return shapeMismatch(plan);
}

const configBias = (rng: FuzzRng) => rng.chance(0.7) ? edgeNumber(rng) : randomString(rng);

export const configTarget: FuzzTarget = {
  name: 'config.json',
  errorNames: /config\.json|stories260K/,
  async prepare() {
    const folder = await storiesFolder();
    return (rng) => {
      const text = mutateJson(folder.json['config.json'], rng, configBias);
      return { run: () => planModel(storiesWith(folder, { 'config.json': text })), check: (plan) => checkPlan(plan as ModelPlan) };
    };
  },
};

export const generationConfigTarget: FuzzTarget = {
  name: 'generation_config.json',
  errorNames: /generation_config\.json/,
  async prepare() {
    const folder = await storiesFolder();
    const seed = { ...folder.json['generation_config.json'], top_k: 40, top_p: 0.9, temperature: 0.7, repetition_penalty: 1.1, mirostat: 0, sequence: 'top_k;top_p' };
    return (rng) => {
      const text = mutateJson(seed, rng, configBias);
      return { run: () => planModel(storiesWith(folder, { 'generation_config.json': text })), check: (plan) => checkPlan(plan as ModelPlan) };
    };
  },
};

/**
 * The vocabulary as tokenizer.json states it: every model.vocab entry maps a token to a
 * non-negative integer id, no two tokens share an id, and each appears at its id in the GGUF
 * (unless an added token takes that id).
 */
function vocabMisread(text: string, plan: ModelPlan): string | null {
  const json = JSON.parse(text) as { model: { vocab: Record<string, unknown> }; added_tokens?: { id: unknown; content: unknown }[] };
  const tokens = plan.metadata.find((m) => m.key === 'tokenizer.ggml.tokens')!.value.value as readonly string[];
  const added = new Set((json.added_tokens ?? []).map((t) => t.id));
  const seen = new Map<unknown, string>();
  for (const [token, id] of Object.entries(json.model.vocab)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) return `vocab entry ${JSON.stringify(token)} has id ${JSON.stringify(id)}`;
    if (seen.has(id)) return `tokens ${JSON.stringify(seen.get(id))} and ${JSON.stringify(token)} share id ${id}`;
    seen.set(id, token);
    if (!added.has(id) && tokens[id] !== token) return `token ${id} is ${JSON.stringify(tokens[id])} in the GGUF, ${JSON.stringify(token)} in tokenizer.json`;
  }
  for (const t of json.added_tokens ?? []) {
    if (typeof t.id !== 'number' || !Number.isInteger(t.id) || t.id < 0) return `added token ${JSON.stringify(t.content)} has id ${JSON.stringify(t.id)}`;
    if (typeof t.content !== 'string') return `added token ${t.id} has content ${JSON.stringify(t.content)}`;
  }
  return checkPlan(plan);
}

const tokenizerBias = (rng: FuzzRng) => rng.pick([edgeNumber(rng), -1, 1.5, '▁the', '<s>', null, { id: 3, content: '<x>', special: true }, ['a', 'b'], 'a b', randomString(rng)]);

export const tokenizerTarget: FuzzTarget = {
  name: 'tokenizer.json',
  errorNames: /tokenizer\.json|tokenizer_config\.json|stories260K/,
  async prepare() {
    const folder = await storiesFolder();
    const tokenizer = folder.json['tokenizer.json'] as { model: { vocab: Record<string, number>; merges: unknown[] } };
    // A smaller vocabulary keeps each case fast and puts mutations where they matter.
    const small = JSON.parse(JSON.stringify(tokenizer)) as typeof tokenizer;
    small.model.merges = small.model.merges.slice(0, 20);
    return (rng) => {
      const base = rng.chance(0.5) ? small : tokenizer;
      const mutateModel = rng.chance(0.6);
      let text: string;
      if (mutateModel) {
        const copy = structuredClone(base);
        mutateJsonTree(copy.model, rng, tokenizerBias);
        text = JSON.stringify(copy);
      } else text = mutateJson(base, rng, tokenizerBias);
      const tcText = rng.chance(0.3) ? mutateJson(folder.json['tokenizer_config.json'], rng, tokenizerBias) : undefined;
      const files = storiesWith(folder, { 'tokenizer.json': text, ...(tcText ? { 'tokenizer_config.json': tcText } : {}) });
      const run = async () => {
        const plan = await planModel(files);
        // Calibration and evaluation build their tokenizer from the same files.
        (await loadCalibrationTokenizer(files)).encode('Once upon a time <s> there was a cat.');
        return plan;
      };
      return { run, check: (plan) => vocabMisread(text, plan as ModelPlan) };
    };
  },
};
