// Ticks for a log axis: powers of ten, which read best, with 2× and 5× between them where a
// narrow range would show fewer than three.

export function logTicks(lo: number, hi: number): number[] {
  const decades: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) decades.push(10 ** e);
  const inside = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  const powers = decades.filter(inside);
  if (powers.length >= 3) return powers;
  const steps = decades.flatMap((d) => [d, 2 * d, 5 * d]).filter(inside);
  return steps.length >= 2 ? steps : [lo, hi];
}
