// The type table's facts hold for the code that acts on them: every type a model tensor can have
// has a CPU quantizer and dequantizer (the compiler asks for the entries; this runs them), the
// quantizer reads and refuses importance weights as the table says, and bits per weight come
// from the block geometry.
import { describe, expect, it } from 'vitest';
import {
  bitsPerWeight, GGML_TYPE_NAMES, GGML_TYPES, isQuantizedType, isStorableType, quantizerNeedsImatrix, rowBytes,
} from '../../src/core/ggml-type.ts';
import { quantizeRowsCpu, supportsQuantizeCpu } from '../../src/core/quant/cpu-quantizer.ts';
import { dequantizeRowsCpu, supportsDequantizeCpu } from '../../src/core/quant/dequantize.ts';
import { LLAMA_QUANTIZE_IMATRIX_TYPES } from '../../src/core/recipe/llama-quantize-imatrix.ts';

const COLS = 256;
const row = Float32Array.from({ length: COLS }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7)));
const weights = Float32Array.from({ length: COLS }, (_, i) => 1 + (i % 5));

describe('the ggml type table', () => {
  for (const type of GGML_TYPE_NAMES.filter(isStorableType)) {
    it(`${type}: a CPU quantizer and dequantizer that agree on the row's size`, () => {
      expect(supportsQuantizeCpu(type) && supportsDequantizeCpu(type)).toBe(true);
      const bytes = quantizeRowsCpu(type, row, COLS, quantizerNeedsImatrix(type) ? weights : null);
      expect(bytes.length).toBe(rowBytes(type, COLS));
      expect(dequantizeRowsCpu(type, bytes, COLS).length).toBe(COLS);
    });
  }

  it('types llama.cpp never stores a weight in have no CPU kernels', () => {
    const unstorable = GGML_TYPE_NAMES.filter((t) => !isStorableType(t));
    expect(unstorable).toEqual(['Q8_1', 'Q8_K']);
    for (const t of unstorable) expect(supportsQuantizeCpu(t) || supportsDequantizeCpu(t)).toBe(false);
  });

  it('the quantizer refuses without importance weights exactly the types marked so', () => {
    for (const type of GGML_TYPE_NAMES.filter(isStorableType)) {
      const run = () => quantizeRowsCpu(type, row, COLS, null);
      if (quantizerNeedsImatrix(type)) expect(run, type).toThrow(/needs an importance matrix/);
      else expect(run, type).not.toThrow();
    }
  });

  it('the quantizer reads importance weights exactly for the types marked so', () => {
    for (const type of GGML_TYPE_NAMES.filter((t) => isStorableType(t) && !quantizerNeedsImatrix(t))) {
      const plain = quantizeRowsCpu(type, row, COLS, null);
      const weighted = quantizeRowsCpu(type, row, COLS, weights);
      expect(plain.some((b, i) => b !== weighted[i]), type).toBe(GGML_TYPES[type].quantizerUsesImatrix);
    }
  });

  it("llama-quantize's policy covers the quantizer's own rule on block tensors", () => {
    for (const t of GGML_TYPE_NAMES.filter(quantizerNeedsImatrix)) expect(LLAMA_QUANTIZE_IMATRIX_TYPES.has(t), t).toBe(true);
  });

  it('derives bits per weight and "quantized" from the block geometry', () => {
    expect(bitsPerWeight('Q4_K')).toBe(4.5);
    expect(bitsPerWeight('Q8_0')).toBe(8.5);
    expect(bitsPerWeight('F16')).toBe(16);
    expect(GGML_TYPE_NAMES.filter((t) => !isQuantizedType(t))).toEqual(['F32', 'F16', 'BF16']);
  });

  it('ids are distinct', () => {
    expect(new Set(GGML_TYPE_NAMES.map((t) => GGML_TYPES[t].id)).size).toBe(GGML_TYPE_NAMES.length);
  });
});
