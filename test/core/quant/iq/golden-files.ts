// Loads the shared ggml reference outputs (../shared/golden/quant, next to the repository root).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const GOLDEN_DIR = path.resolve(import.meta.dirname, '../../../../../shared/golden/quant');
export const ROWS = 48;
export const COLS = 2048;

function f32(file: string): Float32Array {
  const b = readFileSync(path.join(GOLDEN_DIR, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

export const goldenInput = (): Float32Array => f32('input.f32');
export const goldenImatrix = (): Float32Array => f32('imatrix.f32');

/** The golden bytes for `<type>.bin` or `<type>.imatrix.bin`, or null when ggml has no such file. */
export function goldenBytes(fileType: string, withImatrix: boolean): Uint8Array | null {
  const file = path.join(GOLDEN_DIR, `${fileType}${withImatrix ? '.imatrix' : ''}.bin`);
  return existsSync(file) ? new Uint8Array(readFileSync(file)) : null;
}

/** "" when equal, else where the first difference is (row, byte in row, block and offset). */
export function firstDifference(actual: Uint8Array, expected: Uint8Array, rowBytes: number, blockBytes: number): string {
  if (actual.length !== expected.length) return `length ${actual.length} != ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) {
      const row = Math.floor(i / rowBytes);
      const inRow = i % rowBytes;
      return `row ${row} (input shape ${row % 12}), byte ${inRow} (block ${Math.floor(inRow / blockBytes)}, ` +
        `offset ${inRow % blockBytes}): got ${actual[i]}, ggml wrote ${expected[i]}`;
    }
  }
  return '';
}
