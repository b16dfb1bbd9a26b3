// Golden rows cut down to one 256-element super-block each, so the slow searches of the K-quants
// stay fast on SwiftShader. A super-block's bytes depend only on its own values and (with an
// imatrix) on the importance entries of its columns, so row r's super-block s, quantized as a row
// of 256 with imatrix[256s..256s+256), must equal bytes s*B..(s+1)*B of golden row r.
import { rowBytes, type GgmlTypeName } from '../../src/core/ggml-type.ts';
import { GOLDEN_COLS } from './golden-files.ts';

export const SUPERBLOCK = 256;
const PER_ROW = GOLDEN_COLS / SUPERBLOCK;

export interface SuperblockSample {
  readonly superblock: number;
  readonly rows: readonly number[];
  readonly input: Float32Array;
  readonly imatrix: Float32Array;
  readonly want: Uint8Array;
}

/** For each super-block index s in use: the chosen rows' super-block s and its golden bytes. */
export function superblockSamples(
  type: GgmlTypeName, rows: readonly number[], pick: (row: number) => number,
  input: Float32Array, imatrix: Float32Array, golden: Uint8Array,
): SuperblockSample[] {
  const rowB = rowBytes(type, GOLDEN_COLS);
  const sbB = rowBytes(type, SUPERBLOCK);
  const samples: SuperblockSample[] = [];
  for (let s = 0; s < PER_ROW; s++) {
    const chosen = rows.filter((r) => pick(r) === s);
    if (chosen.length === 0) continue;
    const x = new Float32Array(chosen.length * SUPERBLOCK);
    const want = new Uint8Array(chosen.length * sbB);
    chosen.forEach((r, i) => {
      x.set(input.subarray(r * GOLDEN_COLS + s * SUPERBLOCK, r * GOLDEN_COLS + (s + 1) * SUPERBLOCK), i * SUPERBLOCK);
      want.set(golden.subarray(r * rowB + s * sbB, r * rowB + (s + 1) * sbB), i * sbB);
    });
    samples.push({ superblock: s, rows: chosen, input: x, imatrix: imatrix.slice(s * SUPERBLOCK, (s + 1) * SUPERBLOCK), want });
  }
  return samples;
}
