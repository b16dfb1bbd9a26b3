// Rows for the scale encoders of the small-block types (NVFP4's UE4M3 above all), shared by the
// CPU and GPU tests against ggml.
import { Rng } from './generate-model.ts';

/**
 * Rows of 1024 whose 16-value groups each have their own scale, log-uniform over 2^-150..2^130
 * (UE4M3 subnormals, normals, the 448 cap, float32 subnormals and overflow to infinity for
 * fp16 scales), some groups with exact E2M1 ties and some with a value on a rounding boundary.
 */
export function sweepRows(rows: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const cols = 1024;
  const x = new Float32Array(rows * cols);
  for (let g = 0; g < x.length / 16; g++) {
    const scale = 2 ** (-150 + 280 * rng.uniform());
    const kind = g % 4;
    for (let j = 0; j < 16; j++) {
      const i = g * 16 + j;
      if (kind === 0) x[i] = rng.gaussian() * scale;
      // Multiples of a quarter of the group's largest: ties between neighbouring E2M1 codes.
      else if (kind === 1) x[i] = (Math.round(rng.gaussian() * 12) / 4) * scale;
      // The largest magnitude exactly on a UE4M3 mantissa half-step (x = amax/6 rounds half up).
      else if (kind === 2) x[i] = j === 0 ? 6 * (1 + (2 * Math.floor(rng.uniform() * 8) + 1) / 16) * 2 ** Math.floor(-12 + 22 * rng.uniform()) : rng.gaussian();
      else x[i] = (rng.uniform() < 0.5 ? -1 : 1) * scale * (j + 1);
    }
  }
  return x;
}
