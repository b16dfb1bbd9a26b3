// NVFP4, Q1_0 and Q2_0 against ggml itself, computed at test time by a small C program built
// against the llama tools' ggml library (test/helpers/ggml-reference.ts): the quantizers on the
// golden input rows (48 x 2048: gaussian, outliers, zeros, tiny, huge) and on rows whose
// sub-block scales sweep every UE4M3 exponent and rounding case, with and without an imatrix;
// the dequantizers on those blocks and on random bytes (every scale byte, fp16 infinities and
// NaNs). Also the rules llama-quantize applies to the new file types on a 64-wide model.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GGML_TYPES, rowBytes, type GgmlTypeName } from '../../src/core/ggml-type.ts';
import { dequantizeRowsCpu } from '../../src/core/quant/dequantize.ts';
import { quantizeRowsCpu } from '../../src/core/quant/cpu-quantizer.ts';
import { runCliInProcess } from '../helpers/cli-in-process.ts';
import { Rng } from '../helpers/generate-model.ts';
import { sweepRows } from '../helpers/scale-sweep-rows.ts';
import { ggmlDequantize, ggmlQuantizeChunk } from '../helpers/ggml-reference.ts';
import { runLlamaTool } from '../helpers/llama-tools.ts';
import { STORIES260K } from '../helpers/paths.ts';
import { describeMismatch, GOLDEN_COLS, readGoldenImatrix, readGoldenInput } from '../gpu/golden-files.ts';

const TYPES: GgmlTypeName[] = ['NVFP4', 'Q1_0', 'Q2_0'];

/** Indices of the values whose float32 bits differ (NaN payloads included), at most `max`. */
function bitDifferences(a: Float32Array, b: Float32Array, max = 5): number[] {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  const out: number[] = [];
  for (let i = 0; i < Math.max(ua.length, ub.length) && out.length < max; i++) if (ua[i] !== ub[i]) out.push(i);
  return out;
}

describe('the quantizers of NVFP4, Q1_0 and Q2_0 equal ggml_quantize_chunk', () => {
  const golden = readGoldenInput();
  const imatrix = readGoldenImatrix();
  for (const type of TYPES) {
    for (const withImatrix of [false, true]) {
      it(`${type} on the golden rows${withImatrix ? ' with an imatrix' : ''}`, () => {
        const im = withImatrix ? imatrix : null;
        const want = ggmlQuantizeChunk(type, golden, GOLDEN_COLS, im);
        const got = quantizeRowsCpu(type, golden, GOLDEN_COLS, im);
        expect(describeMismatch(got, want.bytes, rowBytes(type, GOLDEN_COLS))).toBeNull();
        expect(bitDifferences(dequantizeRowsCpu(type, got, GOLDEN_COLS), want.values), 'decoded values differing from ggml').toEqual([]);
      });
    }
    it(`${type} on rows whose scales sweep the float32 range`, () => {
      const x = sweepRows(64, 5 + TYPES.indexOf(type));
      const want = ggmlQuantizeChunk(type, x, 1024, null);
      const got = quantizeRowsCpu(type, x, 1024, null);
      expect(describeMismatch(got, want.bytes, rowBytes(type, 1024))).toBeNull();
      expect(bitDifferences(dequantizeRowsCpu(type, got, 1024), want.values)).toEqual([]);
    });
  }

  it('NVFP4 scale bytes: the sweep rows give most of the 127 UE4M3 codes below 0x7F', () => {
    // Guards the sweep above: a test whose scales all fell in a few codes would prove little.
    const bytes = quantizeRowsCpu('NVFP4', sweepRows(64, 5), 1024, null);
    const seen = new Set<number>();
    for (let b = 0; b < bytes.length; b += 36) for (let s = 0; s < 4; s++) seen.add(bytes[b + s]!);
    expect(seen.size).toBeGreaterThan(100);
  });
});

describe('the dequantizers of NVFP4, Q1_0 and Q2_0 equal ggml on random bytes', () => {
  for (const type of TYPES) {
    it(type, () => {
      const rows = 64;
      const cols = 1024;
      const rng = new Rng(31 + TYPES.indexOf(type));
      const bytes = new Uint8Array(rowBytes(type, cols) * rows);
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rng.uniform() * 256);
      const { typeSize } = GGML_TYPES[type];
      // Every scale byte once in NVFP4's first 64 blocks; fp16 infinities and NaNs in the others.
      for (let b = 0; b < bytes.length / typeSize; b++) {
        if (type === 'NVFP4') {
          if (b < 64) for (let s = 0; s < 4; s++) bytes[b * typeSize + s] = 4 * b + s;
        } else if (b % 7 === 0) {
          bytes[b * typeSize + 1] = (bytes[b * typeSize + 1]! & 0x80) | 0x7c;
        }
      }
      expect(bitDifferences(dequantizeRowsCpu(type, bytes, cols), ggmlDequantize(type, bytes, rows, cols))).toEqual([]);
    });
  }
});

describe('the Q1_0 and Q2_0 file types as llama-quantize applies them', () => {
  // stories260K (tied embeddings): rows of 64 (Q2_0 fits, Q1_0's 128 does not) and of 172 (not
  // even 32). llama-quantize reads our F32 export of the same folder.
  let work: string;
  let gguf: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'low-bit-mixes-'));
    gguf = path.join(work, 'stories260K-F32.gguf');
    const r = await runCliInProcess(['quantize', STORIES260K, '--type', 'F32', '--backend', 'cpu', '-o', gguf]);
    if (r.code !== 0) throw new Error(r.stderr);
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });
  const LLAMA_ROW = /^\[\s*\d+\/\s*\d+\]\s+(\S+)\s+- \[[^\]]*\], type =\s+(\w+), size =[^(]*(?:\((\w+)\))?\s*$/;
  const OUR_ROW = /^\[\s*\d+\/\d+\] (\S+)\s+\[[^\]]*\] (\w+) /;
  const rows = (text: string, re: RegExp, type: (m: RegExpExecArray) => string) =>
    text.split('\n').flatMap((l) => { const m = re.exec(l); return m ? [`${m[1]} ${type(m).toUpperCase()}`] : []; }).sort();

  it('Q2_0: every tensor of the type llama-quantize gives it (fallbacks, token_embd and output rules)', async () => {
    const theirs = await runLlamaTool('llama-quantize', ['--dry-run', gguf, 'Q2_0']);
    const ours = await runCliInProcess(['quantize', STORIES260K, '--type', 'Q2_0', '--dry-run']);
    expect(ours.code, ours.stderr).toBe(0);
    const want = rows(theirs.stdout + theirs.stderr, LLAMA_ROW, (m) => m[3] ?? m[2]!);
    expect(want.length).toBeGreaterThan(40);
    expect(want.filter((r) => r.endsWith(' Q2_0')).length).toBeGreaterThan(10);
    expect(rows(ours.stdout, OUR_ROW, (m) => m[2]!)).toEqual(want);
  });

  it('Q1_0: both refuse rows that are not whole 128-blocks (llama.cpp has no fallback for Q1_0)', async () => {
    const theirs = await runLlamaTool('llama-quantize', ['--dry-run', gguf, 'Q1_0']).then(() => null, (e: Error) => e.message);
    expect(theirs).toMatch(/no tensor type fallback is defined for type q1_0/);
    const ours = await runCliInProcess(['quantize', STORIES260K, '--type', 'Q1_0', '--dry-run']);
    expect(ours.code).not.toBe(0);
    expect(ours.stderr).toMatch(/no fallback type for Q1_0/);
  });
});
