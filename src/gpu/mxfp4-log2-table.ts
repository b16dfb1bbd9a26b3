// MXFP4's shared exponent is floor(log2f(amax)). log2f is correctly rounded to float32, so for the
// floats just below a power of two 2^k (k != 0) it returns exactly k and the floor jumps early.
// This table says, for each k, how many floats below 2^k round up that way; the shader then
// decides floor(log2f(x)) from x's bits alone, on every GPU alike.
// Doubles are ~2^29 times finer than float32 here, so Math.log2 decides each rounding exactly.

const FIRST_K = -148; // 2^-148 is the smallest power of two with a float below it that is > 0
const LAST_K = 128;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function floatBelow(bits: number): number {
  u32[0] = bits - 1;
  return f32[0]!;
}

/** Floats x < 2^k (stepping down one ulp at a time) with fround(log2(x)) >= k. */
function roundsUpCount(k: number): number {
  // Bits of 2^k (2^128 is the bit pattern of +inf, whose predecessor is FLT_MAX).
  let bits = k >= -126 ? ((k + 127) << 23) >>> 0 : 1 << (k + 149);
  let count = 0;
  while (Math.fround(Math.log2(floatBelow(bits))) >= k) {
    count++;
    bits--;
  }
  return count;
}

let cached: string | null = null;

/** WGSL: `const MXFP4_LOG2_ROUNDS_UP: array<u32, 277>`, index k + 148. */
export function mxfp4Log2TableWgsl(): string {
  if (cached === null) {
    const counts: number[] = [];
    for (let k = FIRST_K; k <= LAST_K; k++) counts.push(roundsUpCount(k));
    cached = `const MXFP4_LOG2_ROUNDS_UP = array<u32, ${counts.length}>(${counts.map((c) => `${c}u`).join(', ')});\n`;
  }
  return cached;
}
