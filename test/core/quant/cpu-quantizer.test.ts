import { describe, expect, it } from 'vitest';
import { GGML_TYPE_NAMES, GGML_TYPES, isStorableType } from '../../../src/core/ggml-type.ts';
import { cpuRowQuantizer, quantizeRowsCpu, quantizeRowsCpuInto, supportsQuantizeCpu } from '../../../src/core/quant/cpu-quantizer.ts';

const IMPLEMENTED = [
  'F32', 'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1',
  'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K', 'IQ4_NL', 'IQ4_XS', 'TQ1_0', 'TQ2_0', 'MXFP4',
];
// Activation-only types: ggml_quantize_chunk never writes them for a model file.
const NEVER = ['Q8_1', 'Q8_K'];

describe('quantizeRowsCpu', () => {
  it('supports the implemented types and not the activation-only ones', () => {
    const supported = GGML_TYPE_NAMES.filter(supportsQuantizeCpu);
    for (const t of IMPLEMENTED) expect(supported, t).toContain(t);
    for (const t of NEVER) expect(supported, t).not.toContain(t);
    expect(cpuRowQuantizer.name).toBe('cpu');
    expect(cpuRowQuantizer.supports('Q6_K')).toBe(true);
    expect(cpuRowQuantizer.supports('Q8_K')).toBe(false);
  });

  it('names the type it cannot quantize', () => {
    expect(() => quantizeRowsCpu('Q8_K', new Float32Array(256), 256, null)).toThrow(/Q8_K/);
  });

  it('rejects a row length that is not a multiple of the block size', () => {
    expect(() => quantizeRowsCpu('Q4_0', new Float32Array(48), 48, null)).toThrow(/Q4_0.*48.*32/);
  });

  it('rejects input that is not whole rows', () => {
    expect(() => quantizeRowsCpu('Q8_0', new Float32Array(96), 64, null)).toThrow(/96.*64/);
  });

  it('rejects an imatrix whose length is not the row length, naming both', () => {
    expect(() => quantizeRowsCpu('Q4_1', new Float32Array(128), 64, new Float32Array(32))).toThrow(/32.*64/);
  });

  it('returns the ggml row size times the rows', () => {
    expect(quantizeRowsCpu('Q5_1', new Float32Array(3 * 64), 64, null).length).toBe(3 * 2 * 24);
    expect(quantizeRowsCpu('F16', new Float32Array(10), 5, null).length).toBe(20);
  });

  it('is available asynchronously through cpuRowQuantizer, with errors as rejections', async () => {
    const src = new Float32Array(64).map((_, i) => Math.sin(i));
    await expect(cpuRowQuantizer.quantizeRows('Q8_0', src, 64, null)).resolves.toEqual(
      quantizeRowsCpu('Q8_0', src, 64, null),
    );
    await expect(cpuRowQuantizer.quantizeRows('Q8_1', src, 64, null)).rejects.toThrow(/Q8_1/);
  });

  it('ignores the imatrix for Q8_0 and float types, and uses it for Q4_0', () => {
    const src = new Float32Array(256).map((_, i) => Math.fround(Math.sin(i * 1.7) * (1 + (i % 5))));
    const im = new Float32Array(256).map((_, i) => 1 + (i % 13));
    for (const t of ['Q8_0', 'F16', 'BF16', 'F32'] as const) {
      expect(quantizeRowsCpu(t, src, 256, im)).toEqual(quantizeRowsCpu(t, src, 256, null));
    }
    expect(quantizeRowsCpu('Q4_0', src, 256, im)).not.toEqual(quantizeRowsCpu('Q4_0', src, 256, null));
  });

  it('ignores the imatrix for TQ1_0, TQ2_0 and MXFP4, and uses it for every other type added here', () => {
    const src = new Float32Array(512).map((_, i) => Math.fround(Math.sin(i * 1.7) * (1 + (i % 5))));
    const im = new Float32Array(256).map((_, i) => 1 + (i % 13) * (i % 3));
    for (const t of ['TQ1_0', 'TQ2_0', 'MXFP4'] as const) {
      expect(quantizeRowsCpu(t, src, 256, im)).toEqual(quantizeRowsCpu(t, src, 256, null));
    }
    for (const t of ['Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K', 'IQ4_NL', 'IQ4_XS'] as const) {
      expect(quantizeRowsCpu(t, src, 256, im), t).not.toEqual(quantizeRowsCpu(t, src, 256, null));
    }
  });

  it('quantizeRowsCpuInto gives the same bytes into a destination that holds other bytes (it does not clear it)', () => {
    // Rows with empty blocks, empty sub-blocks and ordinary values, through several batches.
    const cols = 512;
    const src = new Float32Array(cols * 600).map((_, i) => ((i >> 9) % 3 === 0 || (i >> 5) % 4 === 1 ? 0 : Math.sin(i * 0.7) * 0.05));
    const imatrix = new Float32Array(cols).map((_, i) => 0.5 + (i % 7));
    for (const type of GGML_TYPE_NAMES.filter(isStorableType)) {
      const im = GGML_TYPES[type].quantizerUsesImatrix ? imatrix : null;
      const expected = quantizeRowsCpu(type, src, cols, im);
      const dst = new Uint8Array(expected.length).fill(0xaa);
      quantizeRowsCpuInto(type, src, cols, im, dst);
      expect(Buffer.compare(dst, expected), type).toBe(0);
    }
  });
});
