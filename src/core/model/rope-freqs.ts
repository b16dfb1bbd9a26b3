// Llama 3 rope scaling: the converter (LlamaModel.generate_extra_tensors) writes a rope_freqs.weight
// tensor of n_rot/2 frequency factors. torch computes it in float32 with each Python number cast
// to float32 and each operation rounded to float32; `scalar / tensor` is torch's
// reciprocal(tensor) * scalar. Math.fround after every step reproduces that (one correctly rounded
// float32 op each). The pow goes through a double and is rounded once: correctly rounded, where
// torch's vectorised powf may differ by an ulp (only factors in the smooth band could notice).
import type { RopeScaling } from './config.ts';

type Llama3Scaling = Extract<RopeScaling, { type: 'llama3' }>;

const f = Math.fround;
/** torch's `scalar / tensor`: reciprocal first, then the multiply. */
const scalarOver = (scalar: number, x: number): number => f(f(1 / x) * f(scalar));

export function llama3RopeFactors(scaling: Llama3Scaling, ropeTheta: number, dim: number): Float32Array<ArrayBuffer> {
  const base = f(ropeTheta);
  const lowWavelen = f(scaling.originalContextLength / scaling.lowFreqFactor);
  const highWavelen = f(scaling.originalContextLength / scaling.highFreqFactor);
  const factor = f(scaling.factor);
  const out = new Float32Array(Math.floor((dim + 1) / 2));
  for (let i = 0; i < out.length; i++) {
    const exponent = f(f(2 * i) / f(dim));
    const freq = scalarOver(1, f(Math.pow(base, exponent)));
    const wavelen = scalarOver(2 * Math.PI, freq);
    if (wavelen < highWavelen) out[i] = 1;
    else if (wavelen > lowWavelen) out[i] = factor;
    else {
      const ratio = scalarOver(scaling.originalContextLength, wavelen);
      const smooth = f(f(ratio - f(scaling.lowFreqFactor)) / f(scaling.highFreqFactor - scaling.lowFreqFactor));
      const mixed = f(f(f(1 - smooth) / factor) + smooth);
      out[i] = scalarOver(1, mixed);
    }
  }
  return out;
}
