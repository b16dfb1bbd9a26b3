// ggml's make_q3_quants with do_rmse: the scale search of Q3_K without an imatrix. Symmetric
// levels -nmax..nmax-1 with weights x², refined by up to five greedy passes that move one level
// at a time while the weighted fit improves. Float32 in ggml's order.
import { GROUP_MAX_EPS, clampInt, nearestInt, signedMax } from './numerics';
import { SIGNED } from './scratch';

/** Writes L[0..n) = level + nmax (all 0 for an all-zero group) and returns the scale. */
export function makeQ3(n: i32, nmax: i32, x: usize, L: usize): f32 {
  const max = signedMax(x, n);
  if (Mathf.abs(max) < GROUP_MAX_EPS) {
    memory.fill(L, 0, n);
    return 0;
  }
  const iscale = <f32>(-nmax) / max;
  let sumlx: f32 = 0;
  let suml2: f32 = 0;
  for (let i = 0; i < n; i++) {
    const at = <usize>i << 2;
    const v = load<f32>(x + at);
    const l = clampInt(nearestInt(iscale * v), -nmax, nmax - 1);
    store<i32>(SIGNED + at, l);
    const w = v * v;
    const lf = <f32>l;
    sumlx += w * v * lf;
    suml2 += w * lf * lf;
  }
  for (let itry = 0; itry < 5; itry++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const at = <usize>i << 2;
      const v = load<f32>(x + at);
      const w = v * v;
      const li = load<i32>(SIGNED + at);
      const lif = <f32>li;
      let slx = sumlx - w * v * lif;
      if (slx > 0) {
        let sl2 = suml2 - w * lif * lif;
        const newL = clampInt(nearestInt(v * sl2 / slx), -nmax, nmax - 1);
        if (newL != li) {
          const nf = <f32>newL;
          slx = slx + w * v * nf;
          sl2 = sl2 + w * nf * nf;
          if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
            store<i32>(SIGNED + at, newL);
            sumlx = slx;
            suml2 = sl2;
            changed++;
          }
        }
      }
    }
    if (changed == 0) break;
  }
  for (let i = 0; i < n; i++) store<u8>(L + i, <u8>(load<i32>(SIGNED + (<usize>i << 2)) + nmax));
  return suml2 > 0 ? sumlx / suml2 : 0;
}
