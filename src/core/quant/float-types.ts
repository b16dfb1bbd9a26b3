// F32, F16, BF16 "quantization": plain element conversion (ggml_quantize_chunk's float cases),
// little-endian on disk. The imatrix never applies.
import { bf16ToF32Array, f16ToF32Array, f32ToBf16Array, f32ToF16Array } from '../float16.ts';

/** Whether this platform stores typed arrays little-endian (every mainstream one does). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function assertLittleEndian(): void {
  if (!LITTLE_ENDIAN) throw new Error('float-types: big-endian platforms are not supported');
}

/** Byte offset and length must be even for a Uint16Array view; copy otherwise. */
function u16View(bytes: Uint8Array): Uint16Array {
  if (bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 1);
  return new Uint16Array(bytes.slice().buffer);
}

export function quantizeF32(src: Float32Array, dst: Uint8Array): void {
  assertLittleEndian();
  dst.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
}

export function quantizeF16(src: Float32Array, dst: Uint8Array): void {
  assertLittleEndian();
  if (dst.byteOffset % 2 === 0) f32ToF16Array(src, new Uint16Array(dst.buffer, dst.byteOffset, src.length));
  else dst.set(new Uint8Array(f32ToF16Array(src).buffer));
}

export function quantizeBf16(src: Float32Array, dst: Uint8Array): void {
  assertLittleEndian();
  if (dst.byteOffset % 2 === 0) f32ToBf16Array(src, new Uint16Array(dst.buffer, dst.byteOffset, src.length));
  else dst.set(new Uint8Array(f32ToBf16Array(src).buffer));
}

export function dequantizeF32(bytes: Uint8Array, dst: Float32Array): void {
  assertLittleEndian();
  new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength).set(bytes.subarray(0, dst.byteLength));
}

export function dequantizeF16(bytes: Uint8Array, dst: Float32Array): void {
  assertLittleEndian();
  f16ToF32Array(u16View(bytes), dst);
}

export function dequantizeBf16(bytes: Uint8Array, dst: Float32Array): void {
  assertLittleEndian();
  bf16ToF32Array(u16View(bytes), dst);
}
