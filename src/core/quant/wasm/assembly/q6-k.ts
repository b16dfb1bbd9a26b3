// Q6_K: 256-element super-blocks {ql[128], qh[64], int8 scales[16], d}; sixteen 16-element
// groups of 6-bit levels (stored +32). quantize_row_q6_K_ref and _impl differ only in the weights
// of make_qx_quants: x² without an imatrix, the imatrix values directly with one.
import { storeF16 } from './f16';
import { makeQx } from './make-qx';
import { requantizeGroup } from './lanes';
import { GROUP_MAX_EPS, nearestInt } from './numerics';
import { LEVELS, SCALES, WEIGHTS } from './scratch';

export const Q6_K_BYTES = 210;
const QH = 128;
const SC = 192;
const D = 208;

function block(x: usize, qw: usize, o: usize): void {
  let maxScale: f32 = 0;
  let maxAbsScale: f32 = 0;
  for (let ib = 0; ib < 16; ib++) {
    const g = x + (<usize>ib << 6);
    let w = qw + (<usize>ib << 6);
    if (qw == 0) {
      for (let l = 0; l < 16; l++) {
        const v = load<f32>(g + (<usize>l << 2));
        store<f32>(WEIGHTS + (<usize>l << 2), v * v);
      }
      w = WEIGHTS;
    }
    const scale = makeQx(16, 32, g, w, LEVELS + 16 * ib);
    store<f32>(SCALES + (<usize>ib << 2), scale);
    if (Mathf.abs(scale) > maxAbsScale) {
      maxAbsScale = Mathf.abs(scale);
      maxScale = scale;
    }
  }
  if (maxAbsScale < GROUP_MAX_EPS) {
    memory.fill(o, 0, Q6_K_BYTES);
    return;
  }
  const iscale = <f32>-128 / maxScale;
  const dh = storeF16(o + D, <f32>1 / iscale);
  for (let ib = 0; ib < 16; ib++) {
    const sc = min(127, nearestInt(iscale * load<f32>(SCALES + (<usize>ib << 2))));
    store<u8>(o + SC + ib, <u8>sc);
    const dl = dh * <f32><i8>sc; // C keeps it in an int8_t
    if (dl == 0) continue; // C tests !d: a NaN scale still requantizes
    requantizeGroup(x + (<usize>ib << 6), 16, dl, 0, -32, 31, 32, LEVELS + 16 * ib);
  }
  for (let h = 0; h < 2; h++) {
    const j = LEVELS + 128 * h;
    const ql = o + 64 * h;
    const qh = o + QH + 32 * h;
    for (let l = 0; l < 32; l++) {
      const q1 = <i32>load<u8>(j + l);
      const q2 = <i32>load<u8>(j + l + 32);
      const q3 = <i32>load<u8>(j + l + 64);
      const q4 = <i32>load<u8>(j + l + 96);
      store<u8>(ql + l, <u8>((q1 & 0xf) | ((q3 & 0xf) << 4)));
      store<u8>(ql + l + 32, <u8>((q2 & 0xf) | ((q4 & 0xf) << 4)));
      store<u8>(qh + l, <u8>((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6)));
    }
  }
}

/** quantize_row_q6_K_ref (qw 0) or quantize_row_q6_K_impl (importance weights at qw). */
export function q6K(x: usize, qw: usize, o: usize): void {
  block(x, qw, o);
}
