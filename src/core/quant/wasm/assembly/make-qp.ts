// ggml's make_qp_quants: a weighted search for one non-negative scale over levels 0..nmax, for
// the sub-block scales and mins of Q2_K, Q4_K and Q5_K with an imatrix. Float32 in ggml's order.
// L is C's uint8_t array: a negative level wraps when stored and is read back wrapped by the
// later passes, while the sums use the unwrapped int.
import { GROUP_MAX_EPS, TENTH, nearestInt } from './numerics';

/** Quantizes x[0..n) into the bytes L[0..n) (weights qw[0..n)) and returns the scale. */
export function makeQp(n: i32, nmax: i32, x: usize, L: usize, qw: usize): f32 {
  let max: f32 = 0;
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v > max) max = v;
  }
  if (max < GROUP_MAX_EPS) {
    memory.fill(L, 0, n);
    return 0;
  }
  const nmaxF = <f32>nmax;
  let iscale = nmaxF / max;
  for (let i = 0; i < n; i++) store<u8>(L + i, <u8>nearestInt(iscale * load<f32>(x + (<usize>i << 2))));
  const scale = <f32>1 / iscale;
  let bestMse: f32 = 0;
  for (let i = 0; i < n; i++) {
    const at = <usize>i << 2;
    const diff = load<f32>(x + at) - scale * <f32>load<u8>(L + i);
    bestMse += load<f32>(qw + at) * diff * diff;
  }
  for (let is = -4; is <= 4; is++) {
    if (is == 0) continue;
    const iscaleIs = (TENTH * <f32>is + nmaxF) / max;
    const scaleIs = <f32>1 / iscaleIs;
    let mse: f32 = 0;
    for (let i = 0; i < n; i++) {
      const at = <usize>i << 2;
      const xi = load<f32>(x + at);
      const l = min(nmax, nearestInt(iscaleIs * xi));
      const diff = xi - scaleIs * <f32>l;
      mse += load<f32>(qw + at) * diff * diff;
    }
    if (mse < bestMse) {
      bestMse = mse;
      iscale = iscaleIs;
    }
  }
  let sumlx: f32 = 0;
  let suml2: f32 = 0;
  for (let i = 0; i < n; i++) {
    const at = <usize>i << 2;
    const xi = load<f32>(x + at);
    const l = min(nmax, nearestInt(iscale * xi));
    store<u8>(L + i, <u8>l);
    const w = load<f32>(qw + at);
    const lf = <f32>l;
    sumlx += w * xi * lf;
    suml2 += w * lf * lf;
  }
  for (let itry = 0; itry < 5; itry++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const at = <usize>i << 2;
      const w = load<f32>(qw + at);
      const xi = load<f32>(x + at);
      const li = <i32>load<u8>(L + i);
      const lif = <f32>li;
      let slx = sumlx - w * xi * lif;
      let sl2 = suml2 - w * lif * lif;
      if (slx > 0 && sl2 > 0) {
        const newL = min(nmax, nearestInt(xi * sl2 / slx));
        if (newL != li) {
          const nf = <f32>newL;
          slx = slx + w * xi * nf;
          sl2 = sl2 + w * nf * nf;
          if (slx * slx * suml2 > sumlx * sumlx * sl2) {
            store<u8>(L + i, <u8>newL);
            sumlx = slx;
            suml2 = sl2;
            changed++;
          }
        }
      }
    }
    if (changed == 0) break;
  }
  return suml2 > 0 ? sumlx / suml2 : 0;
}
