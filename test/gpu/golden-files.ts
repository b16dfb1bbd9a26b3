// Reads /work/shared/golden/quant (ggml's own outputs) and describes byte mismatches by row.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { GgmlTypeName } from '../../src/core/ggml-type.ts';
import { ggmlQuantizeChunk } from '../helpers/ggml-reference.ts';

export const GOLDEN_DIR = path.resolve(import.meta.dirname, '../../../shared/golden/quant');
export const GOLDEN_ROWS = 48;
export const GOLDEN_COLS = 2048;

function readFloat32(name: string): Float32Array {
  const bytes = readFileSync(path.join(GOLDEN_DIR, name));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export const readGoldenInput = () => readFloat32('input.f32');
export const readGoldenImatrix = () => readFloat32('imatrix.f32');
export const readGoldenOutput = (file: string) => new Uint8Array(readFileSync(path.join(GOLDEN_DIR, file)));

/**
 * The golden file's bytes, or, for a type newer than the golden files (NVFP4, Q1_0, Q2_0), ggml's
 * own bytes for the same input, computed now (test/helpers/ggml-reference.ts).
 */
export function goldenOrGgmlOutput(type: GgmlTypeName, file: string, withImatrix: boolean): Uint8Array {
  if (existsSync(path.join(GOLDEN_DIR, file))) return readGoldenOutput(file);
  return ggmlQuantizeChunk(type, readGoldenInput(), GOLDEN_COLS, withImatrix ? readGoldenImatrix() : null).bytes;
}

/** null when equal; otherwise the first differing row and byte, and how many rows differ. */
export function describeMismatch(got: Uint8Array, want: Uint8Array, rowBytes: number): string | null {
  if (got.length !== want.length) return `length ${got.length}, expected ${want.length}`;
  let first: string | null = null;
  let badRows = 0;
  for (let row = 0; row * rowBytes < want.length; row++) {
    for (let i = row * rowBytes; i < (row + 1) * rowBytes; i++) {
      if (got[i] !== want[i]) {
        badRows++;
        if (first === null) {
          const at = i - row * rowBytes;
          const hex = (a: Uint8Array) => Array.from(a.subarray(i, i + 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
          first = `row ${row} (shape ${row % 12}), byte ${at} of the row: got ${hex(got)}, want ${hex(want)}`;
        }
        break;
      }
    }
  }
  return first === null ? null : `${badRows} rows differ; first: ${first}`;
}
