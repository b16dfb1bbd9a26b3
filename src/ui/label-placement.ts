// Where a chart's point labels go so that none covers another: each label wants to sit just above
// its point; one that would overlap a label already placed moves up past it, and one pushed out of
// the plot's top goes below its point instead. Pure (pixels in, pixels out) so it is tested alone.

export interface LabelRequest {
  /** The point, in pixels. */
  x: number;
  y: number;
  /** The label's size, in pixels. */
  width: number;
  height: number;
}

export interface PlacedLabel {
  /** The label's centre, in pixels (text is drawn centred there). */
  x: number;
  y: number;
  /** Moved away from its preferred place: the page draws a leader line to the point. */
  moved: boolean;
}

export interface PlotBox {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Between a point and its label, and between two labels. */
const GAP = 3;

interface Box { left: number; right: number; top: number; bottom: number }

const overlaps = (a: Box, b: Box) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

function boxAt(cx: number, cy: number, w: number, h: number): Box {
  return { left: cx - w / 2, right: cx + w / 2, top: cy - h / 2, bottom: cy + h / 2 };
}

/** Moves `cy` (up when `dir` is -1, down when 1) until its box overlaps none of `placed`. */
function clearOf(placed: readonly Box[], cx: number, cy: number, w: number, h: number, dir: -1 | 1): number {
  for (let moves = 0; moves <= placed.length; moves++) {
    const hit = placed.find((b) => overlaps(b, boxAt(cx, cy, w, h)));
    if (!hit) return cy;
    cy = dir < 0 ? hit.top - GAP - h / 2 : hit.bottom + GAP + h / 2;
  }
  return cy;
}

/** Labels in the requests' order; placed from left to right so that the result does not depend on it. */
export function placeLabels(requests: readonly LabelRequest[], plot: PlotBox): PlacedLabel[] {
  const order = requests.map((_, i) => i).sort((a, b) => requests[a]!.x - requests[b]!.x || requests[b]!.y - requests[a]!.y);
  const placed: Box[] = [];
  const out: PlacedLabel[] = new Array(requests.length);
  for (const i of order) {
    const r = requests[i]!;
    // Kept inside the plot sideways: a label at the right edge would be cut off.
    const cx = Math.min(Math.max(r.x, plot.left + r.width / 2), plot.right - r.width / 2);
    const preferred = r.y - GAP - r.height / 2;
    let cy = clearOf(placed, cx, preferred, r.width, r.height, -1);
    if (cy - r.height / 2 < plot.top) cy = clearOf(placed, cx, r.y + GAP + r.height / 2, r.width, r.height, 1);
    cy = Math.min(Math.max(cy, plot.top + r.height / 2), plot.bottom - r.height / 2);
    placed.push(boxAt(cx, cy, r.width, r.height));
    out[i] = { x: cx, y: cy, moved: Math.abs(cy - preferred) > 0.5 };
  }
  return out;
}
