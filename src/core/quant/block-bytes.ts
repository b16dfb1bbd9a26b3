// Little-endian field writers shared by the block quantizers (direct byte stores: no DataView
// per block, no allocation).
import { f32ToF16Bits } from '../float16.ts';

/** Stores fp16(x) at dst[o], dst[o+1]. */
export function writeF16(dst: Uint8Array, o: number, x: number): void {
  const h = f32ToF16Bits(x);
  dst[o] = h & 0xff;
  dst[o + 1] = h >>> 8;
}

/** Reads the fp16 bits at src[o], src[o+1]. */
export function readF16Bits(src: Uint8Array, o: number): number {
  return src[o]! | (src[o + 1]! << 8);
}

/** Stores a 32-bit little-endian word at dst[o..o+3]. */
export function writeU32(dst: Uint8Array, o: number, v: number): void {
  dst[o] = v & 0xff;
  dst[o + 1] = (v >>> 8) & 0xff;
  dst[o + 2] = (v >>> 16) & 0xff;
  dst[o + 3] = v >>> 24;
}

/** Reads a 32-bit little-endian word at src[o..o+3] (unsigned). */
export function readU32(src: Uint8Array, o: number): number {
  return (src[o]! | (src[o + 1]! << 8) | (src[o + 2]! << 16) | (src[o + 3]! << 24)) >>> 0;
}
