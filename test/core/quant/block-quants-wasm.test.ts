// The WebAssembly quantizers of the simple block types (src/core/quant/wasm/block-quants-wasm.ts):
// batching rows through the module's memory changes no byte (the golden files tiled into more
// rows than one batch holds; without an imatrix also as one row longer than a batch: with one,
// Q4_0..Q5_1 take sigma2 over the row, so a longer row is another input), and the C conversions
// round as C does. test/architecture/wasm-modules.test.ts checks the module is fresh.
import { describe, expect, it } from 'vitest';
import { f32BitsToBf16Bits, f32BitsToF16Bits } from '../../../src/core/float16.ts';
import { GGML_TYPES } from '../../../src/core/ggml-type.ts';
import { quantizeRowsCpu } from '../../../src/core/quant/cpu-quantizer.ts';
import type { WasmBlockType } from '../../../src/core/quant/wasm/block-quants-wasm.ts';
import { GOLDEN_COLS, GOLDEN_ROWS, firstRowDifference, readGoldenBytes, readGoldenF32 } from './golden-files.ts';

const TYPES: WasmBlockType[] = ['Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'MXFP4', 'TQ1_0', 'TQ2_0'];
const goldenName = (type: WasmBlockType, imatrix: boolean): string => `${type.toLowerCase()}${imatrix ? '.imatrix' : ''}.bin`;

function tile<T extends Float32Array | Uint8Array>(a: T, times: number): T {
  const out = new (a.constructor as new (n: number) => T)(a.length * times);
  for (let i = 0; i < times; i++) out.set(a, i * a.length);
  return out;
}

describe('simple block quantizers in WebAssembly', () => {
  const input = readGoldenF32('input.f32');
  const imatrix = readGoldenF32('imatrix.f32');

  it('gives the golden bytes for rows spread over several batches (1.2 MB of input)', () => {
    for (const type of TYPES) {
      for (const withImatrix of GGML_TYPES[type].quantizerUsesImatrix ? [false, true] : [false]) {
        const actual = quantizeRowsCpu(type, tile(input, 3), GOLDEN_COLS, withImatrix ? imatrix : null);
        const expected = tile(readGoldenBytes(goldenName(type, withImatrix)), 3);
        expect(firstRowDifference(actual, expected, GOLDEN_ROWS * 3), `${type}${withImatrix ? ' with imatrix' : ''}`).toBe('');
      }
    }
  });

  it('gives the golden bytes for one row longer than a batch, without an imatrix', () => {
    for (const type of TYPES) {
      const actual = quantizeRowsCpu(type, tile(input, 3), GOLDEN_COLS * GOLDEN_ROWS * 3, null);
      expect(firstRowDifference(actual, tile(readGoldenBytes(goldenName(type, false)), 3), 1), type).toBe('');
    }
  });

  it('rounds Q8_0 levels as C roundf: halves away from zero, 0.49999997 down', () => {
    // amax 127 makes d = 1 and every level roundf(x) itself.
    const x = Float32Array.from([127, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, Math.fround(0.49999997), -Math.fround(0.49999997), 126.5, -126.5, 0.5000001, ...new Array(20).fill(0)]);
    const levels = new Int8Array(quantizeRowsCpu('Q8_0', x, 32, null).buffer, 2, 12);
    expect([...levels]).toEqual([127, 1, -1, 2, -2, 3, -3, 0, 0, 127, -127, 1]);
  });

  it('converts to F16 and BF16 as the TypeScript bit conversions do, over float32 bit patterns of every kind', () => {
    // Every 97th pattern (all exponents, subnormals, infinities, NaNs of both signs), plus the
    // fp16 rounding edges around 2^-25, 2^-24, 2^-14 and 65520, in an odd count (a scalar tail).
    const bits: number[] = [];
    for (let u = 0; u < 2 ** 32; u += 97 * 4099) for (let k = 0; k < 97; k++) bits.push((u + k * 4099 * 97 + k) >>> 0);
    for (const edge of [0x33000000, 0x33800000, 0x38800000, 0x477ff000, 0x47800000, 0x7f800000]) {
      for (let d = -3; d <= 3; d++) bits.push((edge + d) >>> 0, (edge + d + 0x80000000) >>> 0);
    }
    while (bits.length % 8 !== 5) bits.push(0x33000001 + bits.length % 8);
    const src = new Float32Array(new Uint32Array(bits).buffer);
    const f16 = new Uint16Array(quantizeRowsCpu('F16', src, src.length, null).buffer);
    const bf16 = new Uint16Array(quantizeRowsCpu('BF16', src, src.length, null).buffer);
    const bad: string[] = [];
    for (let i = 0; i < bits.length && bad.length < 5; i++) {
      if (f16[i] !== f32BitsToF16Bits(bits[i]!)) bad.push(`F16 of 0x${bits[i]!.toString(16)}: ${f16[i]} != ${f32BitsToF16Bits(bits[i]!)}`);
      if (bf16[i] !== f32BitsToBf16Bits(bits[i]!)) bad.push(`BF16 of 0x${bits[i]!.toString(16)}: ${bf16[i]} != ${f32BitsToBf16Bits(bits[i]!)}`);
    }
    expect(bad).toEqual([]);
  });
});
