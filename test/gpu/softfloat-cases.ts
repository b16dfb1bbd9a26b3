// Operands and JS references for the softfloat tests. References use doubles: one +, -, *, / or
// sqrt of float32 values computed in double and rounded once with Math.fround is the correctly
// rounded float32 result.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
export const bitsToFloat = (bits: number): number => ((u32[0] = bits), f32[0]!);
export const floatToBits = (value: number): number => ((f32[0] = value), u32[0]!);

export const SPECIALS = [
  0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001, 0x7f800001,
  0x3f800000, 0xbf800000, 0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x00800000, 0x80800000,
  0x7f7fffff, 0xff7fffff, 0x3f000000, 0x4b400000, 0x4b000000, 0x3effffff, 0x3fc00000, 0x40200000,
  0x477fe000, 0x477ff000, 0x33800000, 0x33000000, 0x38800000, 0x387fc000,
];

export type Rng = () => number;
/** Deterministic 32-bit generator (mulberry32) so a failure can be reproduced. */
export function makeRng(seed: number): Rng {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const withExponent = (rng: Rng, exp: number, mantissaBits = 23): number => {
  const frac = (rng() & 0x7fffff) >>> (23 - mantissaBits) << (23 - mantissaBits);
  return (((rng() & 1) << 31) | ((exp & 0xff) << 23) | frac) >>> 0;
};

/** A random operand pair from a mix of regimes: uniform bits, specials, nearby exponents,
 * subnormals and short significands (products / sums land on exact and halfway points). */
export function randomPair(rng: Rng): [number, number] {
  const pick = rng() % 100;
  const a = rng() >>> 0;
  if (pick < 25) return [a, rng() >>> 0];
  if (pick < 35) {
    const s = SPECIALS[rng() % SPECIALS.length]!;
    return rng() & 1 ? [s, a] : [a, SPECIALS[rng() % SPECIALS.length]!];
  }
  if (pick < 60) {
    const ea = 1 + (rng() % 253);
    const eb = Math.min(254, Math.max(0, ea + (rng() % 51) - 25));
    return [withExponent(rng, ea), withExponent(rng, eb)];
  }
  if (pick < 75) {
    return [withExponent(rng, rng() % 40), withExponent(rng, rng() % 140)];
  }
  const bits = 1 + (rng() % 14);
  const ea = 90 + (rng() % 75);
  return [withExponent(rng, ea, bits), withExponent(rng, ea + (rng() % 40) - 20, bits)];
}

/** Operands for the conversions: around the fp16 range, its subnormals and exact ties. */
export function randomConversionOperand(rng: Rng): number {
  const pick = rng() % 4;
  if (pick === 0) return rng() >>> 0;
  if (pick === 1) return withExponent(rng, 95 + (rng() % 60));
  if (pick === 2) return withExponent(rng, 95 + (rng() % 60), 1 + (rng() % 14));
  return (withExponent(rng, 100 + (rng() % 50), 11) | 0x1000) >>> 0; // exact fp16 ties
}

/** Operands for integer rounding: moderate magnitudes, halves and odd/even ties. */
export function randomRoundingOperand(rng: Rng): number {
  const pick = rng() % 4;
  if (pick === 0) return rng() >>> 0;
  if (pick === 1) return withExponent(rng, 110 + (rng() % 50));
  if (pick === 2) return floatToBits((rng() % 2000000) / 2 - 500000); // n + 0.5 ties
  return withExponent(rng, 120 + (rng() % 40), 1 + (rng() % 8));
}

export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** fp16 bits of a float32 value by double arithmetic (independent of the shader's bit tricks). */
export function referenceF16(bits: number): number {
  const x = bitsToFloat(bits);
  const sign = bits >>> 31 ? 0x8000 : 0;
  if (Number.isNaN(x)) return sign | 0x7e00;
  const ax = Math.abs(x);
  if (ax >= 65520) return sign | 0x7c00;
  if (ax < 2 ** -14) return sign | roundHalfEven(ax * 2 ** 24);
  const e = Math.floor(Math.log2(ax));
  const exp = ax >= 2 ** (e + 1) ? e + 1 : ax < 2 ** e ? e - 1 : e;
  const mant = roundHalfEven((ax / 2 ** exp) * 1024);
  return sign | (((exp + 14) << 10) + mant);
}

/** x86 cvttss2si: NaN and out-of-range give INT_MIN. */
export function x86IntCast(v: number): number {
  if (Number.isNaN(v) || v >= 2 ** 31 || v < -(2 ** 31)) return 0x80000000 | 0;
  return v | 0;
}
