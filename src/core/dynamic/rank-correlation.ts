// Spearman's rank correlation (average ranks for ties): how well predicted KLs order recipes.
function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const r = new Array<number>(values.length);
  for (let k = 0; k < order.length;) {
    let end = k;
    while (end + 1 < order.length && order[end + 1]!.v === order[k]!.v) end++;
    for (let m = k; m <= end; m++) r[order[m]!.i] = (k + end) / 2 + 1;
    k = end + 1;
  }
  return r;
}

export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length < 2) throw new Error(`spearman: need two equal-length lists of at least 2 (got ${a.length}, ${b.length})`);
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (ra.length + 1) / 2;
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i]! - mean) * (rb[i]! - mean);
    da += (ra[i]! - mean) ** 2;
    db += (rb[i]! - mean) ** 2;
  }
  return da && db ? num / Math.sqrt(da * db) : 0;
}
