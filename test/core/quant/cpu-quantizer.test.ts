import { describe, expect, it } from 'vitest';
import { GGML_TYPE_NAMES } from '../../../src/core/ggml-type.ts';
import { cpuRowQuantizer, quantizeRowsCpu, supportsQuantizeCpu } from '../../../src/core/quant/cpu-quantizer.ts';

const IMPLEMENTED = ['F32', 'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1'];

describe('quantizeRowsCpu', () => {
  it('supports exactly the implemented types', () => {
    expect(GGML_TYPE_NAMES.filter(supportsQuantizeCpu)).toEqual(
      GGML_TYPE_NAMES.filter((t) => IMPLEMENTED.includes(t)),
    );
    expect(cpuRowQuantizer.name).toBe('cpu');
    expect(cpuRowQuantizer.supports('Q4_0')).toBe(true);
    expect(cpuRowQuantizer.supports('Q6_K')).toBe(false);
  });

  it('names the type it cannot quantize', () => {
    expect(() => quantizeRowsCpu('Q6_K', new Float32Array(256), 256, null)).toThrow(/Q6_K/);
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
    await expect(cpuRowQuantizer.quantizeRows('IQ2_XXS', src, 64, null)).rejects.toThrow(/IQ2_XXS/);
  });

  it('ignores the imatrix for Q8_0 and float types, and uses it for Q4_0', () => {
    const src = new Float32Array(256).map((_, i) => Math.fround(Math.sin(i * 1.7) * (1 + (i % 5))));
    const im = new Float32Array(256).map((_, i) => 1 + (i % 13));
    for (const t of ['Q8_0', 'F16', 'BF16', 'F32'] as const) {
      expect(quantizeRowsCpu(t, src, 256, im)).toEqual(quantizeRowsCpu(t, src, 256, null));
    }
    expect(quantizeRowsCpu('Q4_0', src, 256, im)).not.toEqual(quantizeRowsCpu('Q4_0', src, 256, null));
  });
});
