// A whole export through the CLI's thread pool, which takes BF16 rows as raw bytes and widens
// them on its threads: the file must be the one cpuRowQuantizer gives, and an Inf or NaN weight
// must still stop the export with the tensor and element named (the export locates it itself).
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ByteSink } from '../../src/core/bytes-io.ts';
import { exportGguf } from '../../src/core/export/export-gguf.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import { cpuRowQuantizer } from '../../src/core/quant/cpu-quantizer.ts';
import type { RowQuantizer } from '../../src/core/quant/row-quantizer.ts';
import { chooseMixTypes } from '../../src/core/recipe/llama-mixes.ts';
import { createParallelRowQuantizer } from '../../src/io/parallel-quantizer.node.ts';
import { nodeModelFiles } from '../../src/io/node-files.node.ts';
import { generateLlamaModel } from '../helpers/generate-model.ts';
import { STORIES260K } from '../helpers/paths.ts';

function memorySink(): ByteSink & { bytes(): Buffer } {
  const parts: Uint8Array[] = [];
  return { write: async (c) => void parts.push(c.slice()), close: async () => {}, abort: async () => {}, bytes: () => Buffer.concat(parts) };
}

async function exportWith(dir: string, quantizer: RowQuantizer, mix: 'Q8_0' | 'Q4_K_M'): Promise<Buffer> {
  const files = await nodeModelFiles(dir);
  try {
    const plan = await planModel(files);
    const sink = memorySink();
    // Small chunks: tensors are split into several calls, some of odd row counts.
    await exportGguf({ plan, types: chooseMixTypes(plan, { mix, hasImatrix: false }), files, quantizer, sink, chunkElements: 5000 });
    return sink.bytes();
  } finally {
    await files.close();
  }
}

/** Overwrites one BF16 element of a tensor in the model's safetensors file. */
async function setBf16(dir: string, tensor: string, element: number, bits: number): Promise<void> {
  const file = path.join(dir, 'model.safetensors');
  const bytes = await readFile(file);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, { data_offsets: [number, number] }>;
  const at = 8 + headerLength + header[tensor]!.data_offsets[0] + 2 * element;
  const handle = await open(file, 'r+');
  try {
    await handle.write(Buffer.from([bits & 0xff, bits >> 8]), 0, 2, at);
  } finally {
    await handle.close();
  }
}

describe('export through the parallel quantizer (BF16 rows widened on its threads)', () => {
  const pool = createParallelRowQuantizer({ threads: 3, minValuesPerThread: 1 });
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'parallel-export-'));
    const shape = { hidden: 256, intermediate: 512, layers: 2, heads: 4, kvHeads: 2, vocab: 512 };
    await generateLlamaModel(dir, shape, { dtype: 'BF16', tokenizerFrom: STORIES260K });
  });
  afterAll(async () => {
    await pool.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  for (const mix of ['Q8_0', 'Q4_K_M'] as const) {
    it(`${mix}: the same file as with cpuRowQuantizer`, async () => {
      const expected = await exportWith(dir, cpuRowQuantizer, mix);
      const actual = await exportWith(dir, pool, mix);
      expect(actual.length).toBe(expected.length);
      expect(actual.equals(expected)).toBe(true);
    });
  }

  it('names the tensor and element of an Inf weight, and of a NaN in a permuted (Q) tensor', async () => {
    await setBf16(dir, 'model.layers.1.mlp.up_proj.weight', 1234, 0x7f80);
    await expect(exportWith(dir, pool, 'Q8_0')).rejects.toThrow(/"blk\.1\.ffn_up\.weight".*element 1234 \(row 4, column 210\) is \+Inf/);
    await setBf16(dir, 'model.layers.1.mlp.up_proj.weight', 1234, 0x3f80);
    await setBf16(dir, 'model.layers.0.self_attn.q_proj.weight', 100, 0xffc1);
    await expect(exportWith(dir, pool, 'Q8_0')).rejects.toThrow(/"blk\.0\.attn_q\.weight".* is NaN/);
  });
});
