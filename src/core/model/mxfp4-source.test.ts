import { describe, expect, it } from 'vitest';
import { memoryModelFiles } from '../../../test/helpers/memory-files.ts';
import { dequantizeRowsCpu } from '../quant/dequantize.ts';
import { readMxfp4Rows, repackMxfp4Row } from './mxfp4-source.ts';
import type { Mxfp4Source } from './plan-types.ts';

// The checkpoint's own reading of its MXFP4 (transformers' convert_moe_packed_tensors): value 2j is
// the low nibble of byte j, value 2j+1 the high one, each an FP4 E2M1 code, times 2^(scale - 127).
// (Code 8 is -0 there and +0 in ggml's table: `+ 0` compares them as the same value.)
const FP4 = [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0, -0.5, -1, -1.5, -2, -3, -4, -6];
function checkpointValues(codes: Uint8Array, scales: Uint8Array, blocks: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < blocks; b++) {
    for (let j = 0; j < 16; j++) {
      const byte = codes[b * 16 + j]!;
      out.push(FP4[byte & 15]! * 2 ** (scales[b]! - 127) + 0, FP4[byte >> 4]! * 2 ** (scales[b]! - 127) + 0);
    }
  }
  return out;
}

function randomBytes(n: number, seed: number, from = 0, span = 256): Uint8Array {
  let x = seed;
  return Uint8Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) >>> 0;
    return from + ((x >>> 16) % span);
  });
}

describe('MXFP4 experts from the checkpoint', () => {
  it('repacked into ggml blocks, dequantize to the values the checkpoint means', () => {
    const blocks = 4;
    const codes = randomBytes(blocks * 16, 7);
    const scales = randomBytes(blocks, 9, 110, 30);
    const ggml = new Uint8Array(blocks * 17);
    repackMxfp4Row(codes, 0, scales, 0, blocks, ggml, 0);
    expect(Array.from(dequantizeRowsCpu('MXFP4', ggml, blocks * 32))).toEqual(checkpointValues(codes, scales, blocks).map(Math.fround));
  });

  it('reads every other row of each expert for an interleaved gate or up, only the rows asked for', async () => {
    // 2 experts, 3 GGUF rows each (6 interleaved checkpoint rows), 2 blocks a row.
    const [experts, rows, blocks] = [2, 3, 2];
    const codes = randomBytes(experts * 2 * rows * blocks * 16, 3);
    const scales = randomBytes(experts * 2 * rows * blocks, 5, 115, 20);
    const files = memoryModelFiles('m', { 'codes.bin': codes, 'scales.bin': scales });
    const source = (rowOffset: 0 | 1): Mxfp4Source => ({
      kind: 'mxfp4', file: 'codes.bin', name: 'experts', dtype: 'U8', shape: [experts, rows, blocks * 32], rowStep: 2, rowOffset,
      blocks: { file: 'codes.bin', name: 'experts_blocks', dtype: 'U8', shape: [experts, 2 * rows, blocks, 16], offset: 0, byteLength: codes.length },
      scales: { file: 'scales.bin', name: 'experts_scales', dtype: 'U8', shape: [experts, 2 * rows, blocks], offset: 0, byteLength: scales.length },
    });
    const rowValues = (r: number) => checkpointValues(codes.subarray(r * blocks * 16), scales.subarray(r * blocks), blocks);
    for (const offset of [0, 1] as const) {
      // GGUF rows 2..4: expert 0's last row, expert 1's first two.
      const bytes = await readMxfp4Rows(source(offset), files, 2, 3);
      const values = Array.from(dequantizeRowsCpu('MXFP4', bytes, blocks * 32));
      const expected = [2 * 2 + offset, 6 + offset, 6 + 2 + offset].flatMap(rowValues).map(Math.fround);
      expect(values).toEqual(expected);
    }
  });

  it('refuses blocks whose shape is not the scales\' and the tensor\'s', async () => {
    const files = memoryModelFiles('m', { 'codes.bin': new Uint8Array(64), 'scales.bin': new Uint8Array(4) });
    const bad: Mxfp4Source = {
      kind: 'mxfp4', file: 'codes.bin', name: 'experts', dtype: 'U8', shape: [1, 2, 64], rowStep: 1, rowOffset: 0,
      blocks: { file: 'codes.bin', name: 'x_blocks', dtype: 'U8', shape: [1, 2, 2, 16], offset: 0, byteLength: 64 },
      scales: { file: 'scales.bin', name: 'x_scales', dtype: 'U8', shape: [1, 2, 1], offset: 0, byteLength: 2 },
    };
    await expect(readMxfp4Rows(bad, files, 0, 2)).rejects.toThrow(/codes.bin: tensors "x_blocks" and "x_scales": shapes \[1, 2, 2, 16\] and \[1, 2, 1\]/);
  });
});
