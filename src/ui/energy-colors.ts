// The heatmap's activation-energy layer: each tensor's mean imatrix value on a log scale over
// the model's range, mapped to a perceptually ordered ramp (dark blue = quiet, yellow = loud).
import { legibleFill } from './contrast.ts';
import type { TypeColor } from './type-colors.ts';

/** Stops of the ramp (viridis-like), from low to high energy. */
const STOPS: readonly [number, number, number][] = [
  [48, 18, 82], [59, 82, 139], [33, 144, 141], [94, 201, 98], [253, 231, 37],
];

function rampColor(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [STOPS[i]!, STOPS[i + 1]!];
  const mix = (k: 0 | 1 | 2) => Math.round(a[k] + (b[k] - a[k]) * f);
  return `rgb(${mix(0)}, ${mix(1)}, ${mix(2)})`;
}

export interface EnergyScale {
  /** log10 of the smallest and largest positive energy. */
  low: number;
  high: number;
  /** 0..1 along the ramp; null for a tensor without a value. */
  position(energy: number | undefined): number | null;
  color(energy: number | undefined): TypeColor | null;
}

export function energyScale(values: Iterable<number>): EnergyScale {
  let low = Infinity;
  let high = -Infinity;
  for (const v of values) {
    if (!(v > 0) || !Number.isFinite(v)) continue;
    low = Math.min(low, Math.log10(v));
    high = Math.max(high, Math.log10(v));
  }
  if (!Number.isFinite(low)) low = high = 0;
  const position = (energy: number | undefined) => {
    if (energy === undefined || !Number.isFinite(energy)) return null;
    if (!(energy > 0)) return 0;
    return high > low ? (Math.log10(energy) - low) / (high - low) : 0.5;
  };
  return {
    low, high, position,
    color(energy) {
      const t = position(energy);
      if (t === null) return null;
      // The ramp crosses from dark to light: its mid shades are nudged to where an ink reads.
      return legibleFill(rampColor(t));
    },
  };
}

/** The ramp as a CSS gradient, for the legend. */
export function energyGradient(): string {
  return `linear-gradient(90deg, ${STOPS.map((_, i) => rampColor(i / (STOPS.length - 1))).join(', ')})`;
}

/** Energies span decades: "3.2e-4", "0.052", "17.4". */
export function formatEnergy(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-2) return v.toExponential(2);
  return v.toPrecision(3);
}
