import { describe, expect, it } from 'vitest';
import { GGML_TYPES, type GgmlTypeName } from '../../../src/core/ggml-type.ts';
import { quantizeRowsCpu } from '../../../src/core/quant/cpu-quantizer.ts';
import { dequantizeRowsCpu } from '../../../src/core/quant/dequantize.ts';
import { GOLDEN_COLS, readGoldenBytes, readGoldenF32 } from './golden-files.ts';

/** Independent fp16 decode (IEEE formula in doubles). */
function half(lo: number, hi: number): number {
  const h = lo | (hi << 8);
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** A direct, unoptimized reading of one legacy block into (level, d, m): value = q*d + m. */
function decodeBlockDirect(type: GgmlTypeName, b: Uint8Array): number[] {
  const out: number[] = [];
  if (type === 'Q8_0') {
    const d = half(b[0]!, b[1]!);
    for (let j = 0; j < 32; j++) out.push(Math.fround(((b[2 + j]! << 24) >> 24) * d));
    return out;
  }
  const hasMin = type === 'Q4_1' || type === 'Q5_1';
  const five = type === 'Q5_0' || type === 'Q5_1';
  const d = half(b[0]!, b[1]!);
  const m = hasMin ? half(b[2]!, b[3]!) : 0;
  const qhAt = hasMin ? 4 : 2;
  const qh = five ? b[qhAt]! + b[qhAt + 1]! * 256 + b[qhAt + 2]! * 65536 + b[qhAt + 3]! * 16777216 : 0;
  const qs = qhAt + (five ? 4 : 0);
  for (let j = 0; j < 32; j++) {
    const nib = j < 16 ? b[qs + j]! & 15 : b[qs + j - 16]! >> 4;
    const high = five ? Math.floor(qh / 2 ** j) % 2 : 0;
    const q = nib + 16 * high - (hasMin ? 0 : five ? 16 : 8);
    out.push(hasMin ? Math.fround(Math.fround(q * d) + m) : Math.fround(q * d));
  }
  return out;
}

const BLOCK_TYPES: GgmlTypeName[] = ['Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1'];
const FILES: Record<string, string> = { Q8_0: 'q8_0', Q4_0: 'q4_0', Q4_1: 'q4_1', Q5_0: 'q5_0', Q5_1: 'q5_1' };

describe('dequantizeRowsCpu', () => {
  for (const type of BLOCK_TYPES) {
    it(`${type}: decodes the golden bytes as a direct block reading does`, () => {
      for (const suffix of ['.bin', '.imatrix.bin']) {
        const bytes = readGoldenBytes(FILES[type]! + suffix);
        const values = dequantizeRowsCpu(type, bytes, GOLDEN_COLS);
        const { typeSize } = GGML_TYPES[type];
        for (let blk = 0; blk < bytes.length / typeSize; blk++) {
          const ref = decodeBlockDirect(type, bytes.subarray(blk * typeSize, (blk + 1) * typeSize));
          for (let j = 0; j < 32; j++) {
            if (!Object.is(values[blk * 32 + j], ref[j])) {
              expect(values[blk * 32 + j], `${type}${suffix} block ${blk} element ${j}`).toBe(ref[j]);
            }
          }
        }
      }
    });
  }

  it('round-trips within the step of each format (half a step, plus fp16 scale rounding)', () => {
    const cols = 256;
    const rows = 16;
    const src = new Float32Array(rows * cols);
    let seed = 7;
    for (let i = 0; i < src.length; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      src[i] = (seed / 2 ** 32 - 0.5) * (1 + (i % 7)); // several magnitudes per block
    }
    // Allowed error in steps d: half a step, except Q4_0/Q5_0 whose levels run -8..7 (-16..15)
    // with the block's max at the -8 end, so a value of the opposite sign near |max| clamps a
    // whole step short.
    const steps: Record<string, (amax: number, range: number) => number> = {
      Q8_0: (amax) => (amax / 127) * 0.5,
      Q4_0: (amax) => amax / 8,
      Q5_0: (amax) => amax / 16,
      Q4_1: (_a, range) => (range / 15) * 0.5,
      Q5_1: (_a, range) => (range / 31) * 0.5,
    };
    for (const type of BLOCK_TYPES) {
      const values = dequantizeRowsCpu(type, quantizeRowsCpu(type, src, cols, null), cols);
      for (let blk = 0; blk < src.length / 32; blk++) {
        const x = src.subarray(blk * 32, blk * 32 + 32);
        const amax = Math.max(...x.map(Math.abs));
        const range = Math.max(...x) - Math.min(...x);
        // Half a step, plus the fp16 rounding of d (2^-11 relative, times up to 31 levels) and of m.
        const bound = steps[type]!(amax, range) + (amax + range) * 2 ** -10 * 17;
        for (let j = 0; j < 32; j++) {
          const err = Math.abs(values[blk * 32 + j]! - x[j]!);
          if (err > bound) expect(err, `${type} block ${blk} element ${j}`).toBeLessThanOrEqual(bound);
        }
      }
    }
  });

  it('F32, F16 and BF16 round trip exactly or through the format', () => {
    const src = readGoldenF32('input.f32').subarray(0, GOLDEN_COLS * 12);
    expect(dequantizeRowsCpu('F32', quantizeRowsCpu('F32', src, GOLDEN_COLS, null), GOLDEN_COLS)).toEqual(src);
    const f16 = dequantizeRowsCpu('F16', quantizeRowsCpu('F16', src, GOLDEN_COLS, null), GOLDEN_COLS);
    const bf16 = dequantizeRowsCpu('BF16', quantizeRowsCpu('BF16', src, GOLDEN_COLS, null), GOLDEN_COLS);
    let worstF16 = 0;
    let worstBf16 = 0;
    for (let i = 0; i < src.length; i++) {
      const x = Math.abs(src[i]!);
      if (x >= 2 ** -14 && x <= 65504) worstF16 = Math.max(worstF16, Math.abs(f16[i]! - src[i]!) / x);
      if (x > 0) worstBf16 = Math.max(worstBf16, Math.abs(bf16[i]! - src[i]!) / x);
    }
    expect(worstF16).toBeLessThanOrEqual(2 ** -11);
    expect(worstF16).toBeGreaterThan(0);
    expect(worstBf16).toBeLessThanOrEqual(2 ** -8);
  });

  it('rejects partial rows and types without a decoder, naming them', () => {
    expect(() => dequantizeRowsCpu('Q4_0', new Uint8Array(17), 32)).toThrow(/Q4_0.*17 bytes/);
    expect(() => dequantizeRowsCpu('Q8_K', new Uint8Array(292), 256)).toThrow(/Q8_K/);
  });
});
