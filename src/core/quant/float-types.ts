// F32, F16, BF16 "quantization": plain element conversion (ggml_quantize_chunk's float cases),
// little-endian on disk. The imatrix never applies. F16 and BF16 convert in WebAssembly
// (wasm/assembly/float-conv.ts).
import { bf16ToF32Array, f16ToF32Array } from '../float16.ts';
import { quantizeBlockRowsWasm } from './wasm/block-quants-wasm.ts';

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

export function quantizeF16(src: Float32Array, cols: number, dst: Uint8Array): void {
  assertLittleEndian();
  quantizeBlockRowsWasm('F16', src, cols, null, dst);
}

export function quantizeBf16(src: Float32Array, cols: number, dst: Uint8Array): void {
  assertLittleEndian();
  quantizeBlockRowsWasm('BF16', src, cols, null, dst);
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
