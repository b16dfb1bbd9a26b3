// stories260K against the GGUF llama.cpp distributes for it (reference-f32.gguf).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GgufKv } from '../../../src/core/gguf/gguf-value.ts';
import { planModel } from '../../../src/core/model/plan-model.ts';
import type { ModelPlan } from '../../../src/core/model/plan-types.ts';
import { readTensorF32 } from '../../../src/core/model/tensor-values.ts';
import { readGguf, type ReadGguf } from '../../helpers/gguf-read.ts';
import { nodeModelFiles } from '../../helpers/node-model-files.ts';
import { STORIES260K } from '../../helpers/paths.ts';
import path from 'node:path';

let files: Awaited<ReturnType<typeof nodeModelFiles>>;
let plan: ModelPlan;
let ref: ReadGguf;

beforeAll(async () => {
  files = await nodeModelFiles(STORIES260K);
  plan = await planModel(files);
  ref = await readGguf(path.join(STORIES260K, 'reference-f32.gguf'));
});
afterAll(() => files.close());

const kv = (key: string) => plan.metadata.find((k) => k.key === key)?.value;
const plainValue = (v: GgufKv['value']): unknown => {
  if (v.type === 'f32') return Math.fround(v.value);
  if (v.type === 'array') return Array.from(v.value as ArrayLike<unknown>, (x) => (v.itemType === 'f32' ? Math.fround(x as number) : x));
  return v.value;
};

describe('planModel(stories260K)', () => {
  it('plans the reference tensors, names, order and ne, less the tied output.weight', () => {
    const refTensors = ref.parsed.tensorInfos.filter((t) => t.name !== 'output.weight');
    expect(plan.tensors.map((t) => t.ggufName).sort()).toEqual(refTensors.map((t) => t.name).sort());
    for (const t of plan.tensors) {
      expect(t.ne, t.ggufName).toEqual(refTensors.find((r) => r.name === t.ggufName)!.shape.map(Number));
    }
    // llama-quantize's order: non-block tensors first, then each block by byte-wise name.
    expect(plan.tensors.slice(0, 11).map((t) => t.ggufName)).toEqual([
      'output_norm.weight', 'token_embd.weight',
      'blk.0.attn_k.weight', 'blk.0.attn_norm.weight', 'blk.0.attn_output.weight', 'blk.0.attn_q.weight',
      'blk.0.attn_v.weight', 'blk.0.ffn_down.weight', 'blk.0.ffn_gate.weight', 'blk.0.ffn_norm.weight', 'blk.0.ffn_up.weight',
    ]);
    expect(plan.architecture).toBe('llama');
    expect(plan.layerCount).toBe(5);
  });

  it('gives roles, layers, transforms and quantizability', () => {
    const t = (name: string) => plan.tensors.find((x) => x.ggufName === name)!;
    expect(t('blk.3.attn_q.weight')).toMatchObject({ role: 'attn_q', layer: 3, hfName: 'model.layers.3.self_attn.q_proj.weight', transform: { kind: 'permute-qk', heads: 8 }, quantizable: true });
    expect(t('blk.3.attn_k.weight')).toMatchObject({ role: 'attn_k', transform: { kind: 'permute-qk', heads: 4 } });
    expect(t('blk.3.attn_v.weight')).toMatchObject({ role: 'attn_v', transform: { kind: 'none' } });
    expect(t('blk.0.ffn_norm.weight')).toMatchObject({ role: 'ffn_norm', quantizable: false });
    expect(t('token_embd.weight')).toMatchObject({ role: 'token_embd', layer: null, quantizable: true });
    expect(t('output_norm.weight')).toMatchObject({ role: 'output_norm', quantizable: false });
  });

  it('reads every tensor byte-identical to the reference F32 data (Q/K permuted)', async () => {
    for (const t of plan.tensors) {
      const values = await readTensorF32(t, files);
      const expected = ref.tensor(t.ggufName)!;
      expect(expected.type).toBe('F32');
      const got = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      expect(Buffer.compare(got, expected.data), t.ggufName).toBe(0);
    }
  });

  it('without the permutation Q and K would differ (the transform is what makes them equal)', async () => {
    const q = plan.tensors.find((t) => t.ggufName === 'blk.0.attn_q.weight')!;
    const raw = await readTensorF32({ ...q, transform: { kind: 'none' } }, files);
    expect(Buffer.compare(new Uint8Array(raw.buffer), ref.tensor(q.ggufName)!.data)).not.toBe(0);
  });

  it('writes the converter keys in converter order', () => {
    expect(plan.metadata.map((k) => k.key)).toEqual([
      'general.architecture', 'general.type', 'general.name', 'general.size_label',
      'llama.block_count', 'llama.context_length', 'llama.embedding_length', 'llama.feed_forward_length',
      'llama.attention.head_count', 'llama.attention.head_count_kv', 'llama.rope.freq_base',
      'llama.attention.layer_norm_rms_epsilon', 'llama.attention.key_length', 'llama.attention.value_length',
      'llama.vocab_size', 'llama.rope.dimension_count',
      'tokenizer.ggml.model', 'tokenizer.ggml.pre', 'tokenizer.ggml.tokens', 'tokenizer.ggml.scores', 'tokenizer.ggml.token_type',
      'tokenizer.ggml.bos_token_id', 'tokenizer.ggml.eos_token_id', 'tokenizer.ggml.unknown_token_id',
      'tokenizer.ggml.add_bos_token', 'tokenizer.ggml.add_sep_token', 'tokenizer.ggml.add_eos_token',
    ]);
    expect(kv('general.name')).toEqual({ type: 'string', value: 'stories260K' });
    expect(kv('general.size_label')).toEqual({ type: 'string', value: '260K' });
    expect(kv('llama.context_length')).toEqual({ type: 'u32', value: 512 });
    expect(kv('tokenizer.ggml.add_sep_token')).toEqual({ type: 'bool', value: false });
  });

  it('agrees with the reference on every key both write', () => {
    // Keys the reference has and we intentionally differ on (see src/core/model/llama-metadata.ts):
    // general.name ("llama" there: its old converter's default), llama.context_length (2048 there: the old
    // converter's default; config.json says 512), tokenizer.ggml.scores (SentencePiece's own scores there;
    // checked by order below), seperator/padding ids (0xFFFFFFFF "none" there; the converter omits them).
    const differs = new Set(['general.name', 'llama.context_length', 'tokenizer.ggml.scores', 'tokenizer.ggml.seperator_token_id', 'tokenizer.ggml.padding_token_id']);
    const refMeta = ref.parsed.metadata as Record<string, unknown>;
    const shared = Object.keys(refMeta).filter((k) => !['version', 'tensor_count', 'kv_count'].includes(k) && !differs.has(k));
    expect(shared.length).toBe(14);
    for (const key of shared) {
      const ours = kv(key);
      expect(ours, key).toBeDefined();
      const refValue = refMeta[key];
      expect(plainValue(ours!), key).toEqual(typeof refValue === 'bigint' ? Number(refValue) : refValue);
    }
  });

  it('orders merged tokens by score exactly as the reference SentencePiece scores do', () => {
    const ours = plainValue(kv('tokenizer.ggml.scores')!) as number[];
    const theirs = (ref.parsed.metadata as Record<string, unknown>)['tokenizer.ggml.scores'] as number[];
    const merged = [...ours.keys()].filter((id) => ours[id]! > -1e9 && ours[id]! <= 0 && id >= 259);
    expect(merged.length).toBe(151); // ids 259..409: the tokens tokenizer.json's merges produce
    for (let i = 1; i < merged.length; i++) {
      const [a, b] = [merged[i - 1]!, merged[i]!];
      expect(Math.sign(ours[a]! - ours[b]!)).toBe(Math.sign(theirs[a]! - theirs[b]!));
    }
  });
});
