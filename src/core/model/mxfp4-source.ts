// Experts a checkpoint stores in MXFP4 (gpt-oss) as ggml's MXFP4 blocks. The checkpoint keeps a
// row's 32-value blocks as two tensors: `blocks` [experts, rows, blocks, 16], a byte holding values
// 2j (low nibble) and 2j+1 (high nibble), and `scales` [experts, rows, blocks], the blocks' E8M0
// exponents. ggml's block_mxfp4 is the exponent byte, then 16 bytes whose low nibbles hold values
// 0-15 and high nibbles values 16-31: the converter moves the nibbles to that order and writes
// the result unchanged (repack_mxfp4); the values are the same 4-bit codes and the same exponents.
import type { ModelFiles } from '../bytes-io.ts';
import { concatBytes } from '../concat-bytes.ts';
import type { Mxfp4Source } from './plan-types.ts';

/** Values per MXFP4 block, bytes of its codes in the checkpoint, bytes of a ggml block. */
const BLOCK_VALUES = 32;
const CODE_BYTES = 16;
export const MXFP4_BLOCK_BYTES = 17;

/**
 * One row of checkpoint blocks (codes, scales) as ggml block_mxfp4 bytes, written at `out[outAt]`.
 * ggml byte j holds values j and j + 16: for k < 8, checkpoint byte k holds values 2k and 2k + 1
 * and byte 8 + k values 2k + 16 and 2k + 17, so ggml bytes 2k and 2k + 1 take their low and
 * high nibbles.
 */
export function repackMxfp4Row(codes: Uint8Array, codesAt: number, scales: Uint8Array, scalesAt: number, blocks: number, out: Uint8Array, outAt: number): void {
  for (let b = 0; b < blocks; b++) {
    const o = outAt + b * MXFP4_BLOCK_BYTES;
    const c = codesAt + b * CODE_BYTES;
    out[o] = scales[scalesAt + b]!;
    for (let k = 0; k < 8; k++) {
      const low = codes[c + k]!;
      const high = codes[c + 8 + k]!;
      out[o + 1 + 2 * k] = (low & 0x0f) | ((high & 0x0f) << 4);
      out[o + 2 + 2 * k] = (low >> 4) | (high & 0xf0);
    }
  }
}

/** Checks the two tensors' shapes against each other and the GGUF tensor's; the checkpoint's rows per expert. */
export function checkMxfp4Source(src: Mxfp4Source): number {
  const [experts, rows, cols] = src.shape as [number, number, number];
  const blocks = cols / BLOCK_VALUES;
  const { blocks: b, scales: s } = src;
  const sourceRows = rows * src.rowStep;
  const what = `${b.file}: tensors "${b.name}" and "${s.name}"`;
  if (b.dtype !== 'U8' || s.dtype !== 'U8') throw new Error(`${what}: MXFP4 blocks and scales must be U8 (got ${b.dtype} and ${s.dtype})`);
  if (b.shape.join() !== [experts, sourceRows, blocks, CODE_BYTES].join() || s.shape.join() !== [experts, sourceRows, blocks].join()) {
    throw new Error(`${what}: shapes [${b.shape.join(', ')}] and [${s.shape.join(', ')}] are not MXFP4 blocks [experts, rows, blocks, 16] and their scales [experts, rows, blocks] of ${experts} experts, ${sourceRows} rows, ${blocks} blocks`);
  }
  return sourceRows;
}

/**
 * GGUF rows [firstRow, firstRow + rowCount) of the tensor (rows of all experts in order) as ggml
 * MXFP4 blocks, reading for each expert the checkpoint rows from the first to the last it needs
 * (every other one of them for an interleaved gate or up).
 */
export async function readMxfp4Rows(src: Mxfp4Source, files: ModelFiles, firstRow: number, rowCount: number, hfName = src.name): Promise<Uint8Array> {
  const sourceRows = checkMxfp4Source(src);
  const rowsPerExpert = src.shape[1]!;
  const blocks = src.shape[2]! / BLOCK_VALUES;
  const open = (file: string) => {
    const f = files.open(file);
    if (!f) throw new Error(`${file}: missing from ${files.label} (needed for tensor "${hfName}")`);
    return f;
  };
  const codesFile = open(src.blocks.file);
  const scalesFile = open(src.scales.file);
  const pieces: Uint8Array[] = [];
  for (let row = firstRow, end = firstRow + rowCount; row < end;) {
    const expert = Math.floor(row / rowsPerExpert);
    const within = row - expert * rowsPerExpert;
    const n = Math.min(rowsPerExpert - within, end - row);
    const first = expert * sourceRows + within * src.rowStep + src.rowOffset;
    const span = (n - 1) * src.rowStep + 1;
    const [codes, scales] = await Promise.all([
      codesFile.read(src.blocks.offset + first * blocks * CODE_BYTES, span * blocks * CODE_BYTES),
      scalesFile.read(src.scales.offset + first * blocks, span * blocks),
    ]);
    const out = new Uint8Array(n * blocks * MXFP4_BLOCK_BYTES);
    for (let i = 0; i < n; i++) {
      const r = i * src.rowStep;
      repackMxfp4Row(codes, r * blocks * CODE_BYTES, scales, r * blocks, blocks, out, i * blocks * MXFP4_BLOCK_BYTES);
    }
    pieces.push(out);
    row += n;
  }
  return concatBytes(pieces);
}
