// WCAG 2 contrast between two sRGB colours ("#rrggbb" or "rgb(r, g, b)"): text needs 4.5:1.
function channels(color: string): [number, number, number] {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (hex) return [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16), parseInt(hex[3]!, 16)];
  const rgb = /^rgb\((\d+),\s*(\d+),\s*(\d+)\)$/.exec(color);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  throw new Error(`not a colour this reads: ${color}`);
}

const toLinear = (c: number) => {
  const s = c / 255;
  return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
};
const fromLinear = (l: number) => Math.round(255 * (l <= 0.0030396 ? l * 12.92 : 1.055 * l ** (1 / 2.4) - 0.055));

function luminanceOf(linear: readonly number[]): number {
  return 0.2126 * linear[0]! + 0.7152 * linear[1]! + 0.0722 * linear[2]!;
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminanceOf(channels(a).map(toLinear)), luminanceOf(channels(b).map(toLinear))].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

export const DARK_INK = '#0b1020';
export const LIGHT_INK = '#f8fafc';

/**
 * A fill for a colour scale with the ink that reads on it at 4.5:1 or better. Between dark and
 * light ink lies a band of mid luminance where neither does (about 0.17–0.21); a fill there is
 * made darker or lighter, keeping its hue, to the nearer edge of the band.
 */
const inkLuminance = (ink: string) => luminanceOf(channels(ink).map(toLinear));
/** The band's edges: light ink at 4.6:1 below it, dark ink at 4.6:1 above it (a margin over 4.5). */
const BAND_LOW = (inkLuminance(LIGHT_INK) + 0.05) / 4.6 - 0.05;
const BAND_HIGH = 4.6 * (inkLuminance(DARK_INK) + 0.05) - 0.05;

export function legibleFill(color: string): { fill: string; ink: string } {
  const linear = channels(color).map(toLinear);
  const luminance = luminanceOf(linear);
  let fill = color;
  if (luminance > BAND_LOW && luminance < BAND_HIGH) {
    const target = luminance - BAND_LOW < BAND_HIGH - luminance ? BAND_LOW : BAND_HIGH;
    const scaled = linear.map((l) => Math.min(1, (l * target) / luminance));
    fill = `rgb(${scaled.map(fromLinear).join(', ')})`;
  }
  return { fill, ink: contrastRatio(fill, DARK_INK) >= contrastRatio(fill, LIGHT_INK) ? DARK_INK : LIGHT_INK };
}
