// Model folders the size of real checkpoints: their exact config.json, a real tokenizer of the
// family, and seeded random BF16 weights streamed to disk (a few MB of buffers whatever the size),
// for tests and benchmarks of memory, time and planning at real sizes. Written on demand into a
// cache outside the repository:
//   $QUANT_STUDIO_SIZE_MODELS/<name>, else ${QUANT_STUDIO_CACHE:-~/.cache/quant-studio}/size-models/<name>
// A folder is written under a temporary name and renamed when complete, with a stamp of what made
// it; one that is missing or stale is written again. `weights: 'sparse'` writes every file but
// leaves the weights a hole in a sparse file (all zeros, no disk used, no time): for checks that
// read headers and configs only.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { f32ToBf16Array } from '../../src/core/float16.ts';
import { decoderTensors, isNormTensor, type DecoderDims } from '../helpers/decoder-tensors.ts';
import { ARCH_FEATURES } from '../helpers/generate-arch-model.ts';
import { Rng } from '../helpers/generate-model.ts';
import { writeSafetensors, type SafetensorsTensor, tensorByteLength } from '../helpers/safetensors-writer.ts';
import { SIZE_MODELS, type SizeModelName, type SizeModelSpec } from './shapes.ts';
import { writeSizeTokenizer } from './tokenizers.ts';

/** Bump when the bytes a spec produces change, so cached folders are written again. */
const GENERATOR_VERSION = 1;
const STAMP = 'size-model.json';
const SEED = 20250101;

export type SizeWeights = 'random' | 'sparse';

export interface SizeModelOptions {
  weights?: SizeWeights;
  /** The cache folder; default as above. */
  root?: string;
}

export function sizeModelsRoot(): string {
  return process.env.QUANT_STUDIO_SIZE_MODELS ?? path.join(process.env.QUANT_STUDIO_CACHE ?? path.join(homedir(), '.cache/quant-studio'), 'size-models');
}

export function sizeModelFolderName(name: SizeModelName, weights: SizeWeights): string {
  return weights === 'sparse' ? `${name}-sparse` : name;
}

/** The dimensions config.json gives. */
export function sizeModelDims(spec: SizeModelSpec): DecoderDims {
  const c = JSON.parse(spec.config) as Record<string, number | boolean | string>;
  const hidden = c.hidden_size as number;
  const heads = c.num_attention_heads as number;
  // Absent from Gemma 3's configs: transformers' Gemma3TextConfig ties by default, Llama's and Qwen's do not.
  const tied = (c.tie_word_embeddings as boolean | undefined) ?? c.model_type === 'gemma3_text';
  return {
    hidden, heads, intermediate: c.intermediate_size as number, layers: c.num_hidden_layers as number,
    kvHeads: c.num_key_value_heads as number, headDim: (c.head_dim as number | undefined) ?? hidden / heads,
    vocab: c.vocab_size as number, lmHead: !tied || spec.storesTiedLmHead === true,
  };
}

/** Every tensor, shard by shard, each shard in name order (as safetensors orders a file). */
export function sizeModelShards(spec: SizeModelSpec): SafetensorsTensor[][] {
  const c = JSON.parse(spec.config) as Record<string, unknown>;
  // A MoE config's experts: count and width (Qwen's moe_intermediate_size).
  const features = typeof c.num_experts === 'number'
    ? { ...ARCH_FEATURES[spec.arch], experts: { count: c.num_experts, ff: c.moe_intermediate_size as number } }
    : ARCH_FEATURES[spec.arch];
  const tensors = decoderTensors(sizeModelDims(spec), features).map(([name, shape]): SafetensorsTensor => ({ name, shape, dtype: 'BF16' }));
  const count = spec.shards?.count ?? 1;
  const shards = Array.from({ length: count }, () => [] as SafetensorsTensor[]);
  for (const t of tensors) shards[spec.shards?.of(t.name) ?? 0]!.push(t);
  for (const s of shards) s.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return shards;
}

export function shardFileName(i: number, count: number): string {
  return count === 1 ? 'model.safetensors' : `model-${String(i + 1).padStart(5, '0')}-of-${String(count).padStart(5, '0')}.safetensors`;
}

const TABLE_SIZE = 1 << 16;
const CHUNK = 1 << 20;

/**
 * Seeded gaussian-looking BF16 values, fast: a 16-bit index from xorshift32 picks one of 65,536
 * gaussian draws, already scaled and rounded to bf16 for the tensor (1 + 0.1 z for norms that
 * multiply, 0.1 z for Gemma's norms, which add 1; 0.02 z for weights).
 */
class Bf16Weights {
  private readonly gaussians: Float32Array;
  private readonly buffers = [new Uint16Array(CHUNK), new Uint16Array(CHUNK)];
  private turn = 0;

  constructor(seed: number, private readonly gemmaNorms: boolean) {
    const rng = new Rng(seed);
    this.gaussians = Float32Array.from({ length: TABLE_SIZE }, () => rng.gaussian());
  }

  *chunks(t: SafetensorsTensor, index: number): Iterable<Uint8Array> {
    const [mean, scale] = isNormTensor(t.name) ? (this.gemmaNorms ? [0, 0.1] : [1, 0.1]) : [0, 0.02];
    const table = f32ToBf16Array(this.gaussians.map((g) => mean + scale * g));
    let x = (Math.imul(index + 1, 0x9e3779b1) ^ SEED) | 1;
    let left = t.shape.reduce((a, b) => a * b, 1);
    while (left > 0) {
      const n = Math.min(left, CHUNK);
      this.turn ^= 1;
      const out = this.buffers[this.turn]!;
      let i = 0;
      for (; i + 1 < n; i += 2) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        out[i] = table[x & 0xffff]!;
        out[i + 1] = table[x >>> 16]!;
      }
      if (i < n) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        out[i] = table[x & 0xffff]!;
      }
      left -= n;
      yield new Uint8Array(out.buffer, 0, n * 2);
    }
  }
}

export interface WrittenSizeModel {
  dir: string;
  /** Bytes of all files in the folder. */
  bytes: number;
}

/** Writes the folder `dir` (which must not exist yet, or is replaced). */
export async function writeSizeModel(name: SizeModelName, dir: string, options: { weights?: SizeWeights; root?: string } = {}): Promise<WrittenSizeModel> {
  const spec: SizeModelSpec = SIZE_MODELS[name];
  const weights = options.weights ?? 'random';
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'config.json'), spec.config);
  if (spec.generationConfig) await writeFile(path.join(dir, 'generation_config.json'), spec.generationConfig);
  await writeSizeTokenizer(spec.tokenizer, dir, options.root ?? sizeModelsRoot());
  const shards = sizeModelShards(spec);
  const generator = weights === 'random' ? new Bf16Weights(SEED, spec.arch === 'gemma3') : undefined;
  let index = 0;
  for (const [i, tensors] of shards.entries()) {
    const first = index;
    await writeSafetensors(path.join(dir, shardFileName(i, shards.length)), tensors, {
      metadata: { format: 'pt' },
      chunks: generator && ((t, k) => generator.chunks(t, first + k)),
    });
    index += tensors.length;
  }
  if (shards.length > 1) {
    const weightMap: Record<string, string> = {};
    for (const [i, tensors] of shards.entries()) for (const t of tensors) weightMap[t.name] = shardFileName(i, shards.length);
    const sorted = Object.fromEntries(Object.entries(weightMap).sort(([a], [b]) => (a < b ? -1 : 1)));
    const totalSize = shards.flat().reduce((n, t) => n + tensorByteLength(t), 0);
    await writeFile(path.join(dir, 'model.safetensors.index.json'), `${JSON.stringify({ metadata: { total_size: totalSize }, weight_map: sorted }, null, 2)}\n`);
  }
  return { dir, bytes: await folderBytes(dir) };
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const f of await readdir(dir)) total += (await stat(path.join(dir, f))).size;
  return total;
}

function fingerprint(name: SizeModelName, weights: SizeWeights): string {
  const spec: SizeModelSpec = SIZE_MODELS[name];
  const shards = sizeModelShards(spec).map((s) => s.map((t) => t.name));
  const what = { name, weights, GENERATOR_VERSION, SEED, spec: { ...spec, shards } };
  return createHash('sha256').update(JSON.stringify(what)).digest('hex');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The folder of a size model, written first if it is missing or was made by another version. */
export async function sizeModel(name: SizeModelName, options: SizeModelOptions = {}): Promise<string> {
  return (await ensureSizeModel(name, options)).dir;
}

export interface EnsuredSizeModel extends WrittenSizeModel {
  /** False when a complete folder was already there. */
  written: boolean;
}

export async function ensureSizeModel(name: SizeModelName, options: SizeModelOptions = {}): Promise<EnsuredSizeModel> {
  const weights = options.weights ?? 'random';
  const root = options.root ?? sizeModelsRoot();
  const folder = sizeModelFolderName(name, weights);
  const dir = path.join(root, folder);
  const want = fingerprint(name, weights);
  const stampOf = async (d: string) => JSON.parse(await readFile(path.join(d, STAMP), 'utf8').catch(() => '{}')) as { fingerprint?: string; bytes?: number };
  const current = await stampOf(dir);
  if (current.fingerprint === want) return { dir, bytes: current.bytes ?? (await folderBytes(dir)), written: false };

  await mkdir(root, { recursive: true });
  // Partial folders of runs that were interrupted: .<folder>.partial-<pid> of a process gone.
  for (const f of await readdir(root)) {
    const m = /^\.(.+)\.partial-(\d+)$/.exec(f);
    if (m && m[1] === folder && !isAlive(Number(m[2]))) await rm(path.join(root, f), { recursive: true, force: true });
  }
  const partial = path.join(root, `.${folder}.partial-${process.pid}`);
  try {
    const { bytes } = await writeSizeModel(name, partial, { weights, root });
    await writeFile(path.join(partial, STAMP), `${JSON.stringify({ name, repo: SIZE_MODELS[name].repo, weights, fingerprint: want, bytes }, null, 2)}\n`);
    if (existsSync(dir)) {
      // Stale, or written meanwhile by another process: a complete one stays, a stale one goes.
      if ((await stampOf(dir)).fingerprint === want) {
        await rm(partial, { recursive: true, force: true });
        return { dir, bytes, written: false };
      }
      await rm(dir, { recursive: true, force: true });
    }
    await rename(partial, dir);
    return { dir, bytes, written: true };
  } catch (e) {
    await rm(partial, { recursive: true, force: true });
    throw e;
  }
}
