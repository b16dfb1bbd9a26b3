// LFM2's short-convolution mixer, between its two projections (llama.cpp's shortconv block):
// in_proj gives each token three chunks b, c and x of n_embd values; b·x goes through a causal
// depthwise convolution of L taps per channel whose state starts at zero for each sequence (the
// L-1 positions before the first token read as 0); the output is c · conv. ggml_ssm_conv sums the
// taps in float, oldest first, which is the order here.
const fround = Math.fround;

/**
 * `bcx`: rows × 3·channels (in_proj's output); `kernel`: channels × taps (shortconv.conv, ne
 * [taps, channels]); `spans`: where each sequence's rows are. Returns rows × channels.
 */
export function shortConvolution(
  bcx: Float32Array, rows: number, channels: number, kernel: Float32Array, taps: number, spans: readonly { start: number; length: number }[],
): Float32Array {
  if (bcx.length !== rows * 3 * channels) throw new Error(`short convolution: in_proj gave ${bcx.length} values, not ${rows} rows of 3 × ${channels}`);
  if (kernel.length !== channels * taps) throw new Error(`short convolution: the kernel has ${kernel.length} values, not ${channels} channels of ${taps} taps`);
  const bx = new Float32Array(rows * channels);
  for (let r = 0; r < rows; r++) {
    for (let ch = 0; ch < channels; ch++) bx[r * channels + ch] = fround(bcx[r * 3 * channels + ch]! * bcx[r * 3 * channels + 2 * channels + ch]!);
  }
  const out = new Float32Array(rows * channels);
  for (const span of spans) {
    for (let t = 0; t < span.length; t++) {
      const r = span.start + t;
      for (let ch = 0; ch < channels; ch++) {
        let sum = 0;
        for (let k = 0; k < taps; k++) {
          const from = t - (taps - 1) + k;
          if (from >= 0) sum = fround(sum + fround(bx[(span.start + from) * channels + ch]! * kernel[ch * taps + k]!));
        }
        out[r * channels + ch] = fround(bcx[r * 3 * channels + channels + ch]! * sum);
      }
    }
  }
  return out;
}
