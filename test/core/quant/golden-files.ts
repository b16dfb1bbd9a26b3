// Reads the shared golden quantizer files (never copied into the repo): ../shared/golden/quant.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const GOLDEN_DIR = path.resolve(import.meta.dirname, '../../../../shared/golden/quant');
export const GOLDEN_ROWS = 48;
export const GOLDEN_COLS = 2048;

export function readGoldenBytes(name: string): Uint8Array {
  const b = readFileSync(path.join(GOLDEN_DIR, name));
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

export function readGoldenF32(name: string): Float32Array {
  const b = readGoldenBytes(name);
  // Copy: the Buffer may not be 4-byte aligned inside Node's pool.
  return new Float32Array(b.slice().buffer);
}

/** "" when equal, otherwise where the first difference is (row, byte within the row, values). */
export function firstRowDifference(actual: Uint8Array, expected: Uint8Array, rows: number): string {
  if (actual.length !== expected.length) return `length ${actual.length} != expected ${expected.length}`;
  const perRow = expected.length / rows;
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) {
      const row = Math.floor(i / perRow);
      let badRows = 0;
      for (let r = 0; r < rows; r++) {
        for (let j = r * perRow; j < (r + 1) * perRow; j++) if (actual[j] !== expected[j]) { badRows++; break; }
      }
      return `first difference at row ${row}, byte ${i - row * perRow} of ${perRow} (got ${actual[i]}, expected ${expected[i]}); ${badRows} of ${rows} rows differ`;
    }
  }
  return '';
}
