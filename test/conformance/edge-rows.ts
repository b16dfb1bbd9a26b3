// Edge rows for the WebAssembly quantizers (src/core/quant/wasm/), byte for byte against
// llama-quantize: all zero, signed zeros, single spikes, tiny values whose fp16 scales underflow,
// values whose squares underflow, float32 subnormals, huge values (kept below where
// llama-quantize's check of finite fp16 scales refuses the tensor), constants, one-signed and
// alternating rows, exact ties, outliers, half-empty rows, empty 32-value sub-blocks, values on
// the i-quant lattices; with and without an importance matrix that has zero columns. The rows
// replace token_embd and output of a generated model's F32 GGUF, which llama-quantize quantizes
// (--pure, the block tensors left f32) and quantizeRowsCpu too. The assertions live in the test
// files (edge-rows-blocks.test.ts, edge-rows-iq.test.ts), which each build these once.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gguf } from '@huggingface/gguf';
import { afterAll, beforeAll } from 'vitest';
import type { GgmlTypeName } from '../../src/core/ggml-type.ts';
import { quantizeRowsCpu } from '../../src/core/quant/cpu-quantizer.ts';
import type { MixName } from '../../src/core/recipe/mix-names.ts';
import { runCliInProcess as runCli } from '../helpers/cli-in-process.ts';
import { Rng, generateLlamaModel } from '../helpers/generate-model.ts';
import { writeImatrixGguf } from '../helpers/imatrix-file.ts';
import { runLlamaTool } from '../helpers/llama-tools.ts';
import { STORIES260K } from '../helpers/paths.ts';

const COLS = 512; // two super-blocks a row
const ROWS = 512; // the tokenizer's vocabulary
const TENSORS = ['token_embd.weight', 'output.weight'];
const KINDS = 20;

/** The largest magnitude of the huge rows when the type stores a value itself in fp16 (see useEdgeRows). */
const FP16_SAFE = 20000;

/** Row r of kind r % KINDS, with r's own random scale and positions; huge values capped at `cap`. */
function edgeRow(row: Float32Array, r: number, rng: Rng, cap: number): void {
  const n = row.length;
  const s = 0.02 * Math.exp(2 * rng.gaussian());
  const at = Math.floor(rng.uniform() * n);
  for (let i = 0; i < n; i++) {
    const g = rng.gaussian();
    switch (r % KINDS) {
      case 0: row[i] = 0; break;
      case 1: row[i] = -0; break;
      case 2: row[i] = i === at ? (rng.uniform() < 0.5 ? -1 : 1) * s * 100 : 0; break; // one spike
      case 3: row[i] = i % 16 === at % 16 ? g * s : 0; break; // one spike a 16-group
      case 4: row[i] = g * 1e-7; break; // fp16 scales subnormal or zero
      case 5: row[i] = g * 1e-22; break; // x² underflows: zero weights without an imatrix
      case 6: row[i] = g * 1e-40; break; // float32 subnormals
      case 7: row[i] = Math.max(-cap, Math.min(cap, g * 1e5)); break; // huge, fp16 scales still finite
      case 8: row[i] = r & 1 ? 0.125 : -3.5; break; // constant
      case 9: row[i] = Math.abs(g) * s * (r & 1 ? 1 : -1); break; // one-signed
      case 10: row[i] = (i & 1 ? -1 : 1) * s; break; // alternating
      case 11: row[i] = Math.round(g * 4) * 0.25 * s; break; // coarse grid
      case 12: row[i] = (Math.round(g * 3) + 0.5) * 0.125; break; // exact halves: rounding ties
      case 13: row[i] = i === at ? 1e4 * s : g * s * 0.01; break; // one outlier
      case 14: row[i] = (i >> 4) & 1 ? g * s : 0; break; // every other 16-group empty
      case 15: row[i] = i === at ? g : g * 1e-9; break; // tiny with one ordinary value
      case 16: row[i] = i < 32 ? Math.max(-cap, Math.min(cap, g * 6e4)) : g * 1e-6; break; // huge first group, tiny rest
      case 17: row[i] = (i >> 5) & 1 ? g * s : 0; break; // every other 32-value sub-block empty
      case 18: row[i] = (rng.uniform() < 0.5 ? -1 : 1) * (2 * Math.floor(rng.uniform() * 3) + 1) * s; break; // on the lattices: ties
      default: row[i] = Math.fround(g * s) === 0 ? s : Math.fround(g * s); break; // gaussian
    }
  }
}

/** One importance weight per column, log-normal, with some zero columns and some very large. */
function edgeImatrix(rng: Rng): Float32Array {
  const w = new Float32Array(COLS);
  for (let i = 0; i < COLS; i++) w[i] = i >= 32 && i < 48 ? 0 : i % 97 === 5 ? 1e6 : Math.exp(1.5 * rng.gaussian());
  return w;
}

export interface EdgeRows {
  /** The rows (as "row r (kind k)") where quantizeRowsCpu and llama-quantize (with `mix`) differ. */
  differences(type: GgmlTypeName, mix: MixName, withImatrix: boolean): Promise<string[]>;
  /**
   * Both tensors' rows replaced by `fill`'s values: the error each side gives (llama-quantize's
   * output, quantizeRowsCpu's message), or null for a side that quantized them.
   */
  errorsOn(type: GgmlTypeName, mix: MixName, withImatrix: boolean, fill: (values: Float32Array) => void): Promise<{ llama: string | null; ours: string | null }>;
}

/**
 * Registers the edge rows' model, F32 GGUF and imatrix for the calling test file. With
 * `fp16Values` the huge rows stay well within fp16 (±20000, so some values tie at the cap): for
 * the types that store a value itself in fp16 (F16 every value; Q4_1 and Q5_1 the block minimum,
 * or the fitted minimum with an imatrix; TQ1_0 and TQ2_0 the largest magnitude), which
 * llama-quantize refuses to write as infinity.
 */
export function useEdgeRows(options: { fp16Values?: boolean } = {}): EdgeRows {
  const cap = options.fp16Values ? FP16_SAFE : Infinity;
  let work: string;
  let f32: string;
  let imatrixFile: string;
  const rows = new Map<string, Float32Array>();
  const imatrices = new Map<string, Float32Array>();

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'edge-rows-'));
    const model = path.join(work, 'model');
    await generateLlamaModel(model, { hidden: COLS, intermediate: 256, layers: 1, heads: 4, kvHeads: 4, vocab: ROWS }, { dtype: 'F32', tokenizerFrom: STORIES260K });
    f32 = path.join(work, 'model-F32.gguf');
    const r = await runCli(['quantize', model, '--type', 'F32', '--backend', 'cpu', '-o', f32]);
    if (r.code !== 0) throw new Error(r.stderr);
    const bytes = new Uint8Array(await readFile(f32));
    const { tensorInfos, tensorDataOffset } = await gguf(f32, { allowLocalFile: true });
    const rng = new Rng(77);
    const entries = new Map<string, { sums: Float32Array; count: number }>();
    for (const [t, name] of TENSORS.entries()) {
      const values = new Float32Array(ROWS * COLS);
      for (let r = 0; r < ROWS; r++) edgeRow(values.subarray(r * COLS, (r + 1) * COLS), r + t, rng, cap);
      const info = tensorInfos.find((i) => i.name === name)!;
      bytes.set(new Uint8Array(values.buffer), Number(tensorDataOffset) + Number(info.offset));
      rows.set(name, values);
      const w = edgeImatrix(rng);
      imatrices.set(name, w);
      entries.set(name, { sums: w, count: 1 }); // llama-quantize divides by the count: 1 keeps w exact
    }
    await writeFile(f32, bytes);
    imatrixFile = path.join(work, 'edge.imatrix.gguf');
    await writeImatrixGguf(imatrixFile, entries, { dataset: 'edge rows', chunkCount: 1, chunkSize: 512 });
  }, 600_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  return {
    async errorsOn(type, mix, withImatrix, fill) {
      const values = new Float32Array(ROWS * COLS);
      fill(values);
      const bytes = new Uint8Array(await readFile(f32));
      const { tensorInfos, tensorDataOffset } = await gguf(f32, { allowLocalFile: true });
      for (const name of TENSORS) bytes.set(new Uint8Array(values.buffer), Number(tensorDataOffset) + Number(tensorInfos.find((i) => i.name === name)!.offset));
      const input = path.join(work, 'filled-F32.gguf');
      const out = path.join(work, 'filled.gguf');
      await writeFile(input, bytes);
      const t = type.toLowerCase();
      let llama: string | null = null;
      await runLlamaTool('llama-quantize', [
        '--pure', '--tensor-type', 'blk\\..*=f32', '--output-tensor-type', t, '--token-embedding-type', t,
        ...(withImatrix ? ['--imatrix', imatrixFile] : []), input, out, mix, '1',
      ]).catch((e: Error) => (llama = e.message));
      let ours: string | null = null;
      try {
        quantizeRowsCpu(type, values, COLS, withImatrix ? imatrices.get(TENSORS[0]!)! : null);
      } catch (e) {
        ours = (e as Error).message;
      }
      await rm(input);
      await rm(out, { force: true });
      return { llama, ours };
    },

    async differences(type, mix, withImatrix) {
      const out = path.join(work, `${type}${withImatrix ? '-im' : ''}.gguf`);
      const t = type.toLowerCase();
      await runLlamaTool('llama-quantize', [
        '--pure', '--tensor-type', 'blk\\..*=f32', '--output-tensor-type', t, '--token-embedding-type', t,
        ...(withImatrix ? ['--imatrix', imatrixFile] : []), f32, out, mix, '1',
      ]);
      const theirs = new Uint8Array(await readFile(out));
      const { tensorInfos, tensorDataOffset } = await gguf(out, { allowLocalFile: true });
      const bad: string[] = [];
      for (const name of TENSORS) {
        const ours = quantizeRowsCpu(type, rows.get(name)!, COLS, withImatrix ? imatrices.get(name)! : null);
        const start = Number(tensorDataOffset) + Number(tensorInfos.find((i) => i.name === name)!.offset);
        const expected = theirs.subarray(start, start + ours.length);
        const rowBytes = ours.length / ROWS;
        for (let r = 0; r < ROWS; r++) {
          const a = ours.subarray(r * rowBytes, (r + 1) * rowBytes);
          if (Buffer.compare(a, expected.subarray(r * rowBytes, (r + 1) * rowBytes)) !== 0) bad.push(`${name} row ${r} (kind ${(r + TENSORS.indexOf(name)) % KINDS})`);
        }
      }
      await rm(out);
      return bad;
    },
  };
}
