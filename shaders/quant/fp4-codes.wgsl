// The nearest doubled-E2M1 code (best_index_mxfp4), shared by mxfp4.wgsl and nvfp4.wgsl: the first
// of the 16 table entries with the least |K*d - x|, all in softfloat.
const FP4_VALUES = array<i32, 16>(0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12);

fn fp4_best_index(x: u32, d: u32) -> u32 {
  var best = 0u;
  var best_err = sf_abs(sf_sub(sf_mul(sf_from_i32(FP4_VALUES[0]), d), x));
  for (var i = 1u; i < 16u; i = i + 1u) {
    let err = sf_abs(sf_sub(sf_mul(sf_from_i32(FP4_VALUES[i]), d), x));
    if (sf_lt(err, best_err)) { best = i; best_err = err; }
  }
  return best;
}
