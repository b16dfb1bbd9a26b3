// The size models: every shape's folder (weights left sparse) goes through the project's own model
// planning, `inspect`, with the real checkpoint's parameter count and file sizes; the smallest is
// written in full, with random weights; the cache keeps complete folders and replaces stale ones.
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planModel } from '../../src/core/model/plan-model.ts';
import { runCliInProcess } from '../helpers/cli-in-process.ts';
import { nodeModelFiles } from '../helpers/node-model-files.ts';
import { SIZE_MODEL_NAMES, SIZE_MODELS, type SizeModelSpec } from './shapes.ts';
import { ensureSizeModel, sizeModelShards, writeSizeModel } from './size-models.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'size-models-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface InspectRow { gguf: string; hf: string; file: string; shape: number[] }

async function inspect(dir: string): Promise<{ architecture: string; hfArchitecture: string; tensors: InspectRow[] }> {
  const { code, stdout, stderr } = await runCliInProcess(['inspect', dir, '--json']);
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout);
}

const GGUF_ARCHITECTURE: Record<SizeModelSpec['arch'], string> = { llama3: 'llama', qwen2: 'qwen2', qwen3: 'qwen3', gemma2: 'gemma2', gemma3: 'gemma3', phi3: 'phi3', phi4mini: 'phi3', smollm3: 'smollm3', olmo2: 'olmo2', granite: 'granite', granite4: 'granite', qwen3moe: 'qwen3moe', olmoe: 'olmoe', granitemoe: 'granitemoe', granitemoeshared: 'granitemoe', lfm2: 'lfm2', gptoss: 'gpt-oss', granite4h: 'granitehybrid', granite4hmoe: 'granitehybrid' };

describe('size models, weights sparse', () => {
  for (const name of SIZE_MODEL_NAMES) {
    const spec: SizeModelSpec = SIZE_MODELS[name];
    it(`${name} (${spec.repo}) plans with the checkpoint's ${spec.parameters} parameters`, async () => {
      const { dir } = await ensureSizeModel(name, { weights: 'sparse', root });
      const plan = await inspect(dir);
      expect(plan.architecture).toBe(GGUF_ARCHITECTURE[spec.arch]);
      expect(plan.hfArchitecture).toBe(JSON.parse(spec.config).architectures[0]);
      // Only what the safetensors hold: llama.cpp adds tensors of its own (Llama 3's rope_freqs).
      const stored = plan.tensors.filter((t) => t.file.endsWith('.safetensors'));
      expect(stored.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0)).toBe(spec.parameters);
      // A MoE plan has one tensor per projection and layer where the checkpoint has one per expert.
      const planned = new Set(sizeModelShards(spec).flat().map((t) => t.name.replace(/\.experts\.\d+\./, '.experts.*.')));
      expect(stored).toHaveLength(planned.size);
      for (const [file, bytes] of Object.entries(spec.realFileBytes ?? {})) {
        expect((await stat(path.join(dir, file))).size, file).toBe(bytes);
      }
      expect(await readFile(path.join(dir, 'config.json'), 'utf8')).toBe(spec.config);
    });
  }
});

describe('size model tokenizers', () => {
  // The pre-tokenizer llama.cpp's converter names from the check-text hash, and the special ids.
  it.each([
    // Llama 3.1/3.2 put <|begin_of_text|> first by a post-processor: "llama-bpe" (Llama 3's files, without it, are "smaug-bpe").
    ['llama-3.2-1b', 'llama-bpe', { bos: 128000, eos: 128009 }],
    // The stand-in is StarCoder2's vocabulary: llama.cpp says "starcoder" where the real SmolLM2 is "smollm".
    ['smollm2-135m', 'starcoder', { bos: 0, eos: 0 }],
  ] as const)('%s: tokenizer.ggml.pre %s', async (name, pre, ids) => {
    const { dir } = await ensureSizeModel(name, { weights: 'sparse', root });
    const files = await nodeModelFiles(dir);
    const plan = await planModel(files).finally(() => files.close());
    const kv = (key: string) => plan.metadata.find((m) => m.key === key)?.value.value;
    expect(kv('tokenizer.ggml.pre')).toBe(pre);
    expect(kv('tokenizer.ggml.bos_token_id')).toBe(ids.bos);
    expect(kv('tokenizer.ggml.eos_token_id')).toBe(ids.eos);
  });
});

describe('size models, weights random', () => {
  it('writes smollm2-135m in full: the real file size, seeded values of realistic scale', async () => {
    const started = performance.now();
    const { dir } = await writeSizeModel('smollm2-135m', path.join(root, 'smollm2-135m-random'), { root });
    const seconds = (performance.now() - started) / 1000;
    const file = path.join(dir, 'model.safetensors');
    expect((await stat(file)).size).toBe(SIZE_MODELS['smollm2-135m'].realFileBytes['model.safetensors']);
    const handle = await open(file);
    try {
      const prefix = new Uint8Array(8);
      await handle.read(prefix, 0, 8, 0);
      const headerLength = Number(new DataView(prefix.buffer).getBigUint64(0, true));
      const header = new Uint8Array(headerLength);
      await handle.read(header, 0, headerLength, 8);
      const entries = JSON.parse(new TextDecoder().decode(header)) as Record<string, { data_offsets: [number, number] }>;
      const stats = async (tensor: string) => {
        const [begin, end] = entries[tensor]!.data_offsets;
        const bytes = new Uint8Array(Math.min(end - begin, 1 << 20));
        await handle.read(bytes, 0, bytes.length, 8 + headerLength + begin);
        const values = Array.from(new Uint16Array(bytes.buffer), (b) => new Float32Array(new Uint32Array([b << 16]).buffer)[0]!);
        const mean = values.reduce((a, b) => a + b, 0) / values.length;
        const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
        return { mean, sd, zeros: values.filter((v) => v === 0).length, n: values.length };
      };
      for (const tensor of ['model.embed_tokens.weight', 'model.layers.29.mlp.down_proj.weight']) {
        const s = await stats(tensor);
        expect(s.zeros / s.n, tensor).toBeLessThan(0.01);
        expect(Math.abs(s.mean), tensor).toBeLessThan(0.001);
        expect(s.sd, tensor).toBeGreaterThan(0.018);
        expect(s.sd, tensor).toBeLessThan(0.022);
      }
      const norm = await stats('model.layers.7.input_layernorm.weight');
      expect(Math.abs(norm.mean - 1)).toBeLessThan(0.02);
    } finally {
      await handle.close();
    }
    expect((await inspect(dir)).tensors).toHaveLength(272);
    // 269 MB through the page cache: about a second here; generous for a loaded machine.
    expect(seconds).toBeLessThan(60);
  });
});

describe('size model cache', () => {
  it('keeps a complete folder, replaces a stale one and clears what an interrupted run left', async () => {
    const cache = path.join(root, 'cache');
    const first = await ensureSizeModel('smollm2-135m', { weights: 'sparse', root: cache });
    expect(first.written).toBe(true);
    expect(first.dir).toBe(path.join(cache, 'smollm2-135m-sparse'));
    expect((await ensureSizeModel('smollm2-135m', { weights: 'sparse', root: cache })).written).toBe(false);

    const stamp = path.join(first.dir, 'size-model.json');
    await writeFile(stamp, JSON.stringify({ fingerprint: 'made by an older generator' }));
    // A run killed while writing: its process is gone (pid 2^22 + 1 exceeds Linux's pid_max).
    const leftover = path.join(cache, '.smollm2-135m-sparse.partial-4194305');
    await mkdir(leftover);
    const again = await ensureSizeModel('smollm2-135m', { weights: 'sparse', root: cache });
    expect(again.written).toBe(true);
    expect(JSON.parse(await readFile(stamp, 'utf8')).fingerprint).not.toBe('made by an older generator');
    expect((await readdir(cache)).filter((f) => f !== '.sources')).toEqual(['smollm2-135m-sparse']);
  });
});
