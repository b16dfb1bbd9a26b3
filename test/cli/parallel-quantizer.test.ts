// The CLI's CPU backend quantizes on worker threads: the bytes must be exactly cpuRowQuantizer's
// whatever the split, and a failure in a thread must come back as a rejection naming the type.
import { afterAll, describe, expect, it } from 'vitest';
import type { GgmlTypeName } from '../../src/core/ggml-type.ts';
import { f32ToBf16Array } from '../../src/core/float16.ts';
import { decodeBF16 } from '../../src/core/safetensors/decode.ts';
import { quantizeRowsCpu } from '../../src/core/quant/cpu-quantizer.ts';
import { createParallelRowQuantizer } from '../../src/io/parallel-quantizer.node.ts';

/** Seeded rows of varied shapes: gaussian-like, outliers, zeros, tiny and huge scales. */
function testRows(rows: number, cols: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const scale = [1, 1e-5, 3000, 0.02][r % 4]!;
    for (let c = 0; c < cols; c++) {
      const u = next() + next() + next() - 1.5;
      out[r * cols + c] = r % 7 === 3 ? 0 : (c % 61 === 5 ? 12 * u : u) * scale;
    }
  }
  return out;
}

describe('parallel CPU quantizer', () => {
  // Three threads and no minimum part size, so even small calls are split unevenly.
  const pool = createParallelRowQuantizer({ threads: 3, minValuesPerThread: 1 });
  afterAll(() => pool.dispose());

  const cols = 512;
  // The imatrix as a view into a larger buffer, as a parsed imatrix file gives it.
  const imatrix = new Float32Array(cols + 64).map((_, i) => 0.25 + ((i * 7919) % 1000) / 300).subarray(32, 32 + cols);
  const types: GgmlTypeName[] = ['Q8_0', 'Q4_K', 'IQ4_XS', 'Q6_K', 'Q4_0'];

  for (const type of types) {
    for (const withImatrix of [false, true]) {
      it(`${type}${withImatrix ? ' with an imatrix' : ''}: the same bytes as cpuRowQuantizer on 1, 2, 5 and 37 rows`, async () => {
        for (const rows of [1, 2, 5, 37]) {
          const src = testRows(rows, cols, rows * 31 + type.length);
          const im = withImatrix ? imatrix : null;
          const expected = quantizeRowsCpu(type, src, cols, im);
          const actual = await pool.quantizeRows(type, src, cols, im);
          expect(actual.length, `${type}, ${rows} rows`).toBe(expected.length);
          expect(Buffer.from(actual).equals(Buffer.from(expected)), `${type}, ${rows} rows`).toBe(true);
        }
      });
    }
  }

  it('quantizes BF16 bytes (widened on the threads) exactly as cpuRowQuantizer does their float32 values', async () => {
    for (const [type, rows] of [['Q8_0', 37], ['Q4_K', 5], ['IQ4_XS', 1]] as const) {
      const bf16 = f32ToBf16Array(testRows(rows, cols, rows + 7));
      const bytes = new Uint8Array(bf16.buffer);
      const { data, finite } = await pool.quantizeBf16Rows(type, bytes, cols, imatrix);
      expect(finite, type).toBe(true);
      expect(Buffer.from(data).equals(Buffer.from(quantizeRowsCpu(type, decodeBF16(bytes), cols, imatrix))), type).toBe(true);
    }
  });

  it('reports BF16 rows holding Inf or NaN as not finite instead of quantizing them', async () => {
    for (const bad of [Infinity, -Infinity, NaN]) {
      const values = testRows(7, cols, 9);
      values[5 * cols + 17] = bad;
      const { finite } = await pool.quantizeBf16Rows('Q8_0', new Uint8Array(f32ToBf16Array(values).buffer), cols, null);
      expect(finite, String(bad)).toBe(false);
    }
  });

  it('keeps concurrent calls apart (they share the buffers, so they run one after another)', async () => {
    const a = testRows(9, cols, 1);
    const b = testRows(13, cols, 2);
    const [qa, qb] = await Promise.all([pool.quantizeRows('Q4_K', a, cols, null), pool.quantizeRows('Q8_0', b, cols, null)]);
    expect(Buffer.from(qa).equals(Buffer.from(quantizeRowsCpu('Q4_K', a, cols, null)))).toBe(true);
    expect(Buffer.from(qb).equals(Buffer.from(quantizeRowsCpu('Q8_0', b, cols, null)))).toBe(true);
  });

  it('rejects with the type named when the quantizer fails inside a thread, and keeps working', async () => {
    // IQ2_XS without an importance matrix passes the argument checks but its quantizer refuses.
    await expect(pool.quantizeRows('IQ2_XS', testRows(4, 256, 3), 256, null)).rejects.toThrow(/IQ2_XS.*importance matrix/);
    const src = testRows(3, cols, 4);
    expect(Buffer.from(await pool.quantizeRows('Q8_0', src, cols, null)).equals(Buffer.from(quantizeRowsCpu('Q8_0', src, cols, null)))).toBe(true);
  });

  it('rejects bad arguments with the type named, as quantizeRowsCpu throws', async () => {
    await expect(pool.quantizeRows('Q4_0', new Float32Array(96), 64, null)).rejects.toThrow(/Q4_0.*96.*64/);
    await expect(pool.quantizeRows('Q8_K', new Float32Array(256), 256, null)).rejects.toThrow(/Q8_K/);
    expect(pool.supports('Q8_K')).toBe(false);
    expect(pool.name).toBe('cpu');
    expect(pool.threads).toBe(3);
  });

  it('refuses calls once disposed, naming the type', async () => {
    const other = createParallelRowQuantizer({ threads: 2 });
    const src = testRows(2, 256, 5);
    expect((await other.quantizeRows('Q8_0', src, 256, null)).length).toBe(2 * 8 * 34);
    await other.dispose();
    await expect(other.quantizeRows('Q8_0', src, 256, null)).rejects.toThrow(/Q8_0.*disposed/);
  });
});
