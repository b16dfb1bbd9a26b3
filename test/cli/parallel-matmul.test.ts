// The CPU forward's matrix products shared among threads (src/io/parallel-matmul.node.ts, what the
// command line's imatrix and eval use) give bit for bit what one thread gives: products over
// several weight slices, odd sizes, both kinds of sums, a bias; and imatrix and eval write the
// same files and figures on two threads as on one.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matmulWasm, useMatmulThreads, type MatmulSums } from '../../src/core/forward/wasm/matmul-wasm.ts';
import { startParallelMatmul, type ParallelMatmul } from '../../src/io/parallel-matmul.node.ts';
import { runCliInProcess as cli } from '../helpers/cli-in-process.ts';
import { TEXT, TINY_LLAMA_10M } from '../helpers/paths.ts';

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5);
}

describe('matrix products on three threads', () => {
  let pool: ParallelMatmul;
  beforeAll(() => {
    pool = startParallelMatmul(3);
  });
  afterAll(async () => {
    useMatmulThreads(null);
    await pool.dispose();
  });

  // 1027 columns: a tail past the last vector of four; 9000 outputs: two of the pool's 32 MB
  // weight slices (8168 outputs each), split in three unequal parts.
  const SHAPES = [[5, 1027, 9000], [64, 256, 1000], [1, 4096, 4099], [3, 17, 200000]] as const;
  for (const sums of ['double', 'float'] as const satisfies readonly MatmulSums[]) {
    for (const [rows, cols, out] of SHAPES) {
      it(`${rows}×${cols} by ${out} outputs, ${sums} sums, with a bias: the one-thread bits`, () => {
        const x = random(rows * cols, rows + cols);
        const w = random(out * cols, out);
        const bias = random(out, 7);
        expect(rows * cols * out).toBeGreaterThanOrEqual(pool.minMultiplyAdds);
        useMatmulThreads(null);
        const alone = matmulWasm(x, rows, cols, w, out, bias, sums);
        useMatmulThreads(pool);
        const shared = matmulWasm(x, rows, cols, w, out, bias, sums);
        useMatmulThreads(null);
        expect(shared.length).toBe(alone.length);
        expect(Buffer.compare(Buffer.from(shared.buffer), Buffer.from(alone.buffer))).toBe(0);
      });
    }
  }

  it('refuses work once disposed', async () => {
    const other = startParallelMatmul(2);
    await other.dispose();
    expect(() => other.multiplyInto(new Float32Array(4), 1, 4, new Float32Array(4), 1, 'double', new Float32Array(1))).toThrow(/disposed/);
  });
});

describe('imatrix and eval on two threads', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'parallel-matmul-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('write the importance matrix and the KL figures of one thread', async () => {
    // A few pages: the tokenizer, not the forward, would take most of the time on the whole file.
    const text = path.join(dir, 'text.txt');
    await writeFile(text, (await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8')).slice(0, 20_000));
    const run = async (args: string[]) => {
      const r = await cli(args);
      expect(r.stderr).not.toMatch(/error/i);
      expect(r.code).toBe(0);
      return r;
    };
    const imatrix = async (threads: number) => {
      const out = path.join(dir, `im-${threads}.gguf`);
      const r = await run(['imatrix', TINY_LLAMA_10M, '--text', text, '--ctx', '128', '--chunks', '2', '--threads', String(threads), '-o', out]);
      expect(r.stdout + r.stderr).toContain(`on ${threads} thread${threads === 1 ? '' : 's'}`);
      return readFile(out);
    };
    const one = await imatrix(1);
    expect(Buffer.compare(await imatrix(2), one)).toBe(0);

    const quant = path.join(dir, 'q4.gguf');
    await run(['quantize', TINY_LLAMA_10M, '--type', 'Q4_K_M', '--imatrix', path.join(dir, 'im-1.gguf'), '-o', quant]);
    const evaluate = async (threads: number) => JSON.parse((await run(['eval', TINY_LLAMA_10M, quant, '--text', text, '--ctx', '128', '--chunks', '2', '--threads', String(threads), '--json'])).stdout) as { kld: { mean: { value: number } } };
    const single = await evaluate(1);
    expect(single.kld.mean.value).toBeGreaterThan(0);
    expect(await evaluate(2)).toEqual(single);
  }, 120_000);
});
