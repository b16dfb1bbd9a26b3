// Writes a Llama model folder (safetensors + config + a real tokenizer) with seeded random weights:
// for conformance tests against llama.cpp and for benchmarks. Streams to disk, so a model of
// several gigabytes needs only a few megabytes of memory to write.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { f32ToBf16Array, f32ToF16Array } from '../../src/core/float16.ts';
import { decoderTensors, type TensorShapes } from './decoder-tensors.ts';
import { writeSafetensors } from './safetensors-writer.ts';

export interface GeneratedModelShape {
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number;
  vocab: number;
  tied?: boolean;
}

export type GeneratedDtype = 'F32' | 'F16' | 'BF16';

/** How the rows of each weight matrix are filled. */
export type RowStyle = 'gaussian' | 'varied';

function tensorList(s: GeneratedModelShape): TensorShapes {
  const headDim = s.hidden / s.heads;
  return decoderTensors({ ...s, headDim, lmHead: !s.tied });
}

/** A small seeded generator (xorshift32) with gaussian draws. */
export class Rng {
  private x: number;
  constructor(seed: number) {
    this.x = seed >>> 0 || 1;
  }
  uniform(): number {
    let x = this.x;
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    this.x = x;
    return (x + 0.5) / 4294967296;
  }
  gaussian(): number {
    return Math.sqrt(-2 * Math.log(this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
  }
}

const VARIED_KINDS = 10;

/**
 * One row in one of several shapes that stress quantizers: gaussian, sparse outliers, heavy tails,
 * all zero, a single non-zero, tiny (fp16 scales underflow), huge, constant, one-signed, and a
 * coarse grid.
 */
export function fillVariedRow(row: Float32Array, kind: number, rng: Rng): void {
  const n = row.length;
  const scale = 0.02 * Math.exp(rng.gaussian());
  for (let i = 0; i < n; i++) {
    const g = rng.gaussian();
    switch (kind % VARIED_KINDS) {
      case 0: row[i] = g * scale; break;
      case 1: row[i] = g * scale * (rng.uniform() < 0.02 ? 12 : 1); break;
      case 2: row[i] = g * g * g * scale; break;
      case 3: row[i] = 0; break;
      case 4: row[i] = i === (n >> 1) + 3 ? -0.75 : 0; break;
      case 5: row[i] = g * 1e-5 * scale; break;
      case 6: row[i] = g * 3000; break;
      case 7: row[i] = 0.125; break;
      case 8: row[i] = Math.abs(g) * scale; break;
      default: row[i] = Math.round(g * 4) * 0.25 * scale; break;
    }
  }
}

function encode(values: Float32Array, dtype: GeneratedDtype): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const half = dtype === 'F16' ? f32ToF16Array(values) : f32ToBf16Array(values);
  return new Uint8Array(half.buffer, half.byteOffset, half.byteLength);
}

export interface GenerateOptions {
  dtype?: GeneratedDtype;
  rows?: RowStyle;
  seed?: number;
  /** Folder with tokenizer.json and tokenizer_config.json; vocab must match its size. */
  tokenizerFrom: string;
}

/** Writes the folder; returns the safetensors file's size in bytes. */
export async function generateLlamaModel(dir: string, shape: GeneratedModelShape, options: GenerateOptions): Promise<number> {
  const dtype = options.dtype ?? 'F32';
  await mkdir(dir, { recursive: true });
  const rng = new Rng(options.seed ?? 12345);
  let kind = 0;
  // Two chunk buffers in turn: the writer still holds the previous one while this one fills.
  const buffers: Float32Array[] = [];
  let turn = 0;
  function* rowsOf(name: string, dims: number[]): Iterable<Uint8Array> {
    const cols = dims.at(-1)!;
    const rows = dims.length > 1 ? dims[0]! : 1;
    const isNorm = name.includes('norm');
    const rowsPerChunk = Math.max(1, Math.floor((1 << 22) / cols));
    for (let r0 = 0; r0 < rows; r0 += rowsPerChunk) {
      const n = Math.min(rowsPerChunk, rows - r0);
      turn ^= 1;
      if (!buffers[turn] || buffers[turn]!.length < rowsPerChunk * cols) buffers[turn] = new Float32Array(rowsPerChunk * cols);
      const chunk = buffers[turn]!;
      for (let r = 0; r < n; r++) {
        const row = chunk.subarray(r * cols, (r + 1) * cols);
        if (isNorm) for (let i = 0; i < cols; i++) row[i] = 1 + 0.1 * rng.gaussian();
        else if (options.rows === 'varied') fillVariedRow(row, kind++, rng);
        else for (let i = 0; i < cols; i++) row[i] = 0.02 * rng.gaussian();
      }
      yield encode(chunk.subarray(0, n * cols), dtype);
    }
  }
  const tensors = tensorList(shape).map(([name, dims]) => ({ name, shape: dims, dtype }));
  const bytes = await writeSafetensors(path.join(dir, 'model.safetensors'), tensors, { chunks: (t) => rowsOf(t.name, t.shape) });
  await writeFile(
    path.join(dir, 'config.json'),
    JSON.stringify({
      architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: shape.hidden,
      intermediate_size: shape.intermediate, num_hidden_layers: shape.layers, num_attention_heads: shape.heads,
      num_key_value_heads: shape.kvHeads, vocab_size: shape.vocab, max_position_embeddings: 2048,
      rms_norm_eps: 1e-5, rope_theta: 10000, tie_word_embeddings: shape.tied ?? false, bos_token_id: 1, eos_token_id: 2,
      torch_dtype: { F32: 'float32', F16: 'float16', BF16: 'bfloat16' }[dtype],
    }, null, 2),
  );
  await copyTokenizer(options.tokenizerFrom, dir);
  return bytes;
}

/** Copies a Hugging Face folder's tokenizer (tokenizer.json and tokenizer_config.json) from `from` into `dir`. */
export async function copyTokenizer(from: string, dir: string): Promise<void> {
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(path.join(from, f), path.join(dir, f));
}
