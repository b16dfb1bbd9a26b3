// NVFP4's UE4M3 scale codec and the batching of the NVFP4, Q1_0 and Q2_0 quantizers in
// WebAssembly (src/core/quant/wasm/assembly/nvfp4.ts, low-bit.ts); their bytes against ggml's own
// are test/conformance/low-bit-types.test.ts and the row tests.
import { describe, expect, it } from 'vitest';
import { rowBytes } from '../../../src/core/ggml-type.ts';
import { quantizeRowsCpu } from '../../../src/core/quant/cpu-quantizer.ts';
import { ue4m3Half } from '../../../src/core/quant/dequantize-low-bit.ts';
import { blockQuants } from '../../../src/core/quant/wasm/block-quants-wasm.ts';
import { GOLDEN_COLS, GOLDEN_ROWS, readGoldenF32 } from './golden-files.ts';

describe('NVFP4 scales (UE4M3)', () => {
  const { nvfp4ScaleOf, nvfp4ScaleHalf } = blockQuants().exports;

  it('decodes every byte in WebAssembly as the TypeScript dequantizer does', () => {
    for (let u = 0; u < 256; u++) expect(nvfp4ScaleHalf(u), `0x${u.toString(16)}`).toBe(ue4m3Half(u));
    expect([ue4m3Half(0), ue4m3Half(0x7f), ue4m3Half(1), ue4m3Half(0x08), ue4m3Half(0x7e)]).toEqual([0, 0, 2 ** -10, 2 ** -7, 224]);
  });

  it('encodes every scale of exponent below 15 to itself, and anything from 2^8 on to 0x7E (448)', () => {
    for (let u = 1; u < 0x78; u++) expect(nvfp4ScaleOf(2 * ue4m3Half(u)), `0x${u.toString(16)}`).toBe(u);
    // ggml's encoder never writes exponent 15 but for 0x7E: 256..448 all take 448.
    for (let u = 0x78; u < 0x7f; u++) expect(nvfp4ScaleOf(2 * ue4m3Half(u)), `0x${u.toString(16)}`).toBe(0x7e);
    for (const x of [448, 1e6, Infinity]) expect(nvfp4ScaleOf(x)).toBe(0x7e);
    for (const x of [0, -1, NaN, 2 ** -12]) expect(nvfp4ScaleOf(x)).toBe(0);
  });

  it('rounds a normal mantissa half up and a subnormal one through float32 x*512 + 0.5', () => {
    // 1.0625 = 1 + 1/16: half-way between the codes for 1 and 1.125; ggml rounds it up.
    expect(nvfp4ScaleOf(1.0625)).toBe((7 << 3) | 1);
    expect(nvfp4ScaleOf(Math.fround(1.0625 - 2 ** -23))).toBe(7 << 3);
    // 1.9375 rounds up into the next exponent.
    expect(nvfp4ScaleOf(1.9375)).toBe(8 << 3);
    // Subnormal codes: 2.5 * 2^-9 rounds up to 3; 7.6 * 2^-9 caps at 7.
    expect(nvfp4ScaleOf(2.5 * 2 ** -9)).toBe(3);
    expect(nvfp4ScaleOf(Math.fround(7.6 * 2 ** -9))).toBe(7);
  });
});

describe('NVFP4, Q1_0 and Q2_0 rows through the WebAssembly batches', () => {
  const input = readGoldenF32('input.f32');
  for (const type of ['NVFP4', 'Q1_0', 'Q2_0'] as const) {
    it(`${type}: one row longer than a batch gives the bytes of the rows one by one`, () => {
      const rows = quantizeRowsCpu(type, input, GOLDEN_COLS, null);
      const long = new Float32Array(input.length * 3);
      for (let i = 0; i < 3; i++) long.set(input, i * input.length);
      const one = quantizeRowsCpu(type, long, long.length, null);
      expect(one.length).toBe(rowBytes(type, long.length));
      for (let i = 0; i < 3; i++) expect(Buffer.compare(one.subarray(i * rows.length, (i + 1) * rows.length), rows), `copy ${i}`).toBe(0);
      expect(rows.length).toBe(GOLDEN_ROWS * rowBytes(type, GOLDEN_COLS));
    });
  }

  it('Q1_0 sets a bit for +0 and -0 and clears it for NaN; Q2_0 gives NaN and infinite x/d code 0', () => {
    const x = new Float32Array(128).fill(1);
    x[0] = 0; x[1] = -0; x[2] = NaN; x[3] = -1;
    expect(quantizeRowsCpu('Q1_0', x, 128, null)[2]).toBe(0b11110011);
    const y = new Float32Array(64).fill(0.25);
    y[0] = NaN; y[1] = Infinity; y[2] = -0.25; y[3] = 0;
    // amax = inf: d = inf, 1/d = 0, so x*0 is 0 (code 1) except for NaN and inf*0 (code 0).
    const q = quantizeRowsCpu('Q2_0', y, 64, null);
    expect([q[0], q[1], q[2]]).toEqual([0x00, 0x7c, 0b01_01_00_00]);
  });
});
