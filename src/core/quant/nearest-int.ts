// ggml's nearest_int, for the TypeScript code that rounds as ggml does (the quantizers themselves
// run in WebAssembly, wasm/assembly/numerics.ts).

const fround = Math.fround;

/**
 * ggml's nearest_int: adds 1.5*2^23 in float32 and reads the low mantissa bits, which rounds half
 * to even. Valid for |f| <= 4194303 (ggml asserts it); NaN gives 0 as the bit trick does.
 */
export function nearestInt(f: number): number {
  return (fround(f + 12582912) - 12582912) | 0;
}
