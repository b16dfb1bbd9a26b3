// Writes an importance matrix in llama.cpp's GGUF imatrix format (what llama-imatrix saves and
// llama-quantize --imatrix reads): per entry <name>.in_sum2 (sums of squares) and <name>.counts.
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { layoutGguf, type GgufTensorInfo } from '../../src/core/gguf/gguf-header.ts';
import { readGgufInfo } from '../../src/core/gguf/read-gguf.ts';
import { NodeFileSource } from '../../src/io/node-files.node.ts';
import type { GgufKv } from '../../src/core/gguf/gguf-value.ts';
import { Rng, type GeneratedModelShape } from './generate-model.ts';

export async function writeImatrixGguf(
  file: string,
  entries: Map<string, { sums: Float32Array; count: number }>,
  options: { dataset: string; chunkCount: number; chunkSize: number },
): Promise<void> {
  const names = [...entries.keys()].sort();
  const metadata: GgufKv[] = [
    { key: 'general.type', value: { type: 'string', value: 'imatrix' } },
    { key: 'imatrix.datasets', value: { type: 'array', itemType: 'string', value: [options.dataset] } },
    { key: 'imatrix.chunk_count', value: { type: 'u32', value: options.chunkCount } },
    { key: 'imatrix.chunk_size', value: { type: 'u32', value: options.chunkSize } },
  ];
  const tensors: GgufTensorInfo[] = [];
  const data: Float32Array[] = [];
  for (const name of names) {
    const e = entries.get(name)!;
    tensors.push({ name: `${name}.in_sum2`, ne: [e.sums.length, 1], type: 'F32' }, { name: `${name}.counts`, ne: [1, 1], type: 'F32' });
    data.push(e.sums, new Float32Array([e.count]));
  }
  const layout = layoutGguf(metadata, tensors);
  const out = new Uint8Array(layout.totalBytes);
  out.set(layout.header);
  data.forEach((d, i) => out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), layout.tensorOffsets[i]!));
  await writeFile(file, out);
}

/** Each entry's raw .counts tensor of a GGUF imatrix file (one value per expert for stacked experts), by tensor name. */
export async function readImatrixCounts(file: string): Promise<Map<string, number[]>> {
  const source = new NodeFileSource(path.basename(file), file, (await stat(file)).size);
  try {
    const { parsed, dataStart } = await readGgufInfo(source);
    const out = new Map<string, number[]>();
    for (const t of parsed.tensorInfos.filter((t) => t.name.endsWith('.counts'))) {
      const n = t.shape.reduce((a, b) => a * Number(b), 1);
      const bytes = await source.read(dataStart + Number(t.offset), n * 4);
      out.set(t.name, [...new Float32Array(bytes.slice().buffer)]);
    }
    return out;
  } finally {
    await source.close();
  }
}

/**
 * The input width of each matrix of a generated Llama (GGUF name -> columns), what llama-imatrix
 * would collect for: the block matrices, and with `withHead` token_embd and output too.
 */
export function llamaMatrixColumns(shape: GeneratedModelShape, withHead = false): Map<string, number> {
  const columns = new Map<string, number>();
  for (let l = 0; l < shape.layers; l++) {
    for (const t of ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate', 'ffn_up']) columns.set(`blk.${l}.${t}.weight`, shape.hidden);
    columns.set(`blk.${l}.ffn_down.weight`, shape.intermediate);
  }
  if (withHead) {
    columns.set('output.weight', shape.hidden);
    columns.set('token_embd.weight', shape.hidden);
  }
  return columns;
}

/** A random log-normal importance matrix for the given tensors (name -> column count). */
export function randomImatrix(columns: Map<string, number>, seed: number): Map<string, { sums: Float32Array; count: number }> {
  const rng = new Rng(seed);
  const out = new Map<string, { sums: Float32Array; count: number }>();
  for (const [name, cols] of columns) {
    const count = 512 * (1 + Math.floor(rng.uniform() * 8));
    const sums = new Float32Array(cols);
    for (let i = 0; i < cols; i++) sums[i] = Math.exp(rng.gaussian() * 1.5) * count;
    out.set(name, { sums, count });
  }
  return out;
}
