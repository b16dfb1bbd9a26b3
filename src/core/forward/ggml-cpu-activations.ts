// ggml's CPU matmul does not multiply float activations by a quantized weight: it first
// quantizes each activation row to the weight type's "vec_dot type" (GgmlTypeTraits.vecDotType:
// Q8_0 for the 32-blocks, Q8_K for the K-quants and i-quants, F16/BF16 for those) and takes integer dot products. The
// product then equals, up to float rounding, the float dot with the activations rounded through
// that type, which is what this returns. It matters for KLD: on Q8_0 weights the activation
// rounding is as large as the weights' own error.
import { roundThroughF16 } from '../float16.ts';
import { GGML_TYPES, type GgmlTypeName } from '../ggml-type.ts';
import { nearestInt } from '../quant/nearest-int.ts';

const fround = Math.fround;

/** AVX2 quantize_row_q8_0: d = amax/127 stored as f16, q = round-half-even(x * 127/amax). */
function roundQ8_0(x: Float32Array, out: Float32Array): void {
  for (let b = 0; b < x.length; b += 32) {
    let amax = 0;
    for (let i = b; i < b + 32; i++) amax = Math.max(amax, Math.abs(x[i]!));
    const d = roundThroughF16(fround(amax / 127));
    const id = amax !== 0 ? fround(127 / amax) : 0;
    for (let i = b; i < b + 32; i++) out[i] = fround(nearestInt(fround(x[i]! * id)) * d);
  }
}

/** quantize_row_q8_K_ref: iscale = -127/max (max = the signed value of largest magnitude), d = 1/iscale. */
function roundQ8_K(x: Float32Array, out: Float32Array): void {
  for (let b = 0; b < x.length; b += 256) {
    let max = 0;
    let amax = 0;
    for (let i = b; i < b + 256; i++) {
      const a = Math.abs(x[i]!);
      if (a > amax) { amax = a; max = x[i]!; }
    }
    if (amax === 0) { out.fill(0, b, b + 256); continue; }
    const iscale = fround(-127 / max);
    const d = fround(1 / iscale);
    for (let i = b; i < b + 256; i++) out[i] = fround(Math.min(127, nearestInt(fround(iscale * x[i]!))) * d);
  }
}

function roundBf16(v: number): number {
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer);
  const bits = u[0]!;
  u[0] = ((bits + (0x7fff + ((bits >>> 16) & 1))) >>> 16) << 16;
  return f[0]!;
}

/** x (rows × cols) as ggml's CPU matmul sees it against a weight of `weight` type; x itself when F32. */
export function activationsForWeight(x: Float32Array, weight: GgmlTypeName): Float32Array {
  const kind = GGML_TYPES[weight].vecDotType;
  if (kind === 'F32') return x;
  const out = new Float32Array(x.length);
  if (kind === 'F16') for (let i = 0; i < x.length; i++) out[i] = roundThroughF16(x[i]!);
  else if (kind === 'BF16') for (let i = 0; i < x.length; i++) out[i] = roundBf16(x[i]!);
  else if (kind === 'Q8_0') roundQ8_0(x, out);
  else roundQ8_K(x, out);
  return out;
}
