// Float dtypes -> Float32Array. F16 and BF16 widen exactly; F64 rounds to nearest f32 (what
// torch's .float() does). Input may sit at any byte offset, so nothing here assumes alignment.
import type { SafetensorsDtype } from './dtype.ts';

export type DecodableDtype = 'F32' | 'F16' | 'BF16' | 'F64';
export const DECODABLE_DTYPES: readonly DecodableDtype[] = ['F32', 'F16', 'BF16', 'F64'];

export function isDecodableDtype(dtype: SafetensorsDtype): dtype is DecodableDtype {
  return (DECODABLE_DTYPES as readonly string[]).includes(dtype);
}

/** Always backed by a plain ArrayBuffer, so it can go straight to GPU buffers and transfers. */
export type F32 = Float32Array<ArrayBuffer>;

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decodes little-endian `bytes` of `dtype`; `what` names the tensor in errors. */
export function decodeToF32(bytes: Uint8Array, dtype: SafetensorsDtype, what = 'tensor'): F32 {
  switch (dtype) {
    case 'F32': return decodeF32(bytes, what);
    case 'F16': return decodeF16(bytes, what);
    case 'BF16': return decodeBF16(bytes, what);
    case 'F64': return decodeF64(bytes, what);
    default:
      throw new Error(`${what}: dtype ${dtype} cannot be decoded to float32 (supported: ${DECODABLE_DTYPES.join(', ')})`);
  }
}

function checkLength(bytes: Uint8Array, size: number, what: string): number {
  if (bytes.byteLength % size !== 0) throw new Error(`${what}: ${bytes.byteLength} bytes is not a whole number of ${size}-byte elements`);
  return bytes.byteLength / size;
}

export function decodeF32(bytes: Uint8Array, what = 'tensor'): F32 {
  const n = checkLength(bytes, 4, what);
  const out = new Float32Array(n);
  if (HOST_IS_LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes); // a fresh, aligned copy
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

export function decodeF64(bytes: Uint8Array, what = 'tensor'): F32 {
  const n = checkLength(bytes, 8, what);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
  return out;
}

export function decodeBF16(bytes: Uint8Array, what = 'tensor'): F32 {
  const n = checkLength(bytes, 2, what);
  const out = new Float32Array(n);
  const bits = new Uint32Array(out.buffer); // host order, like the Float32Array over it
  for (let i = 0; i < n; i++) bits[i] = (bytes[2 * i]! | (bytes[2 * i + 1]! << 8)) << 16;
  return out;
}

export function decodeF16(bytes: Uint8Array, what = 'tensor'): F32 {
  const n = checkLength(bytes, 2, what);
  const table = f16Table();
  const out = new Float32Array(n);
  const bits = new Uint32Array(out.buffer); // bit copies: a NaN through a JS number loses its payload
  for (let i = 0; i < n; i++) bits[i] = table[bytes[2 * i]! | (bytes[2 * i + 1]! << 8)]!;
  return out;
}

let f16ToF32Bits: Uint32Array | undefined;
/** All 65536 halves widened once (256 KiB), as float32 bit patterns (NaN payloads kept). */
function f16Table(): Uint32Array {
  if (f16ToF32Bits) return f16ToF32Bits;
  const table = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) table[h] = halfBitsToFloatBits(h);
  return (f16ToF32Bits = table);
}

export function halfBitsToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal half: normalise it, every one is a normal float32.
  let e = 113;
  while ((mant & 0x400) === 0) { mant <<= 1; e--; }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}
