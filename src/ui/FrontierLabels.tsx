// The mixes' names on the frontier chart, placed so that none covers another (placeLabels), with a
// leader line to the point where a label had to move. Rendered inside the chart: the axis scales
// come from recharts' hooks, so the labels follow any resize.
import { usePlotArea, useXAxisScale, useYAxisScale } from 'recharts';
import { placeLabels } from './label-placement.ts';

export interface LabelledPoint { bytes: number; kld: number; name: string }

const FONT_SIZE = 10;
/** An estimate of the label font's average glyph width: close enough to keep labels apart. */
const CHAR_WIDTH = 0.62 * FONT_SIZE;

export function FrontierLabels({ points }: { points: readonly LabelledPoint[] }) {
  const x = useXAxisScale();
  const y = useYAxisScale();
  const plot = usePlotArea();
  if (!x || !y || !plot) return null;
  const anchors = points.map((p) => ({ x: x(p.bytes), y: y(p.kld), name: p.name }))
    .filter((a): a is { x: number; y: number; name: string } => a.x !== undefined && a.y !== undefined);
  const placed = placeLabels(
    anchors.map((a) => ({ x: a.x, y: a.y, width: a.name.length * CHAR_WIDTH, height: FONT_SIZE + 2 })),
    { left: plot.x, top: plot.y, right: plot.x + plot.width, bottom: plot.y + plot.height },
  );
  return (
    <g className="frontier-labels" data-testid="frontier-labels">
      {anchors.map((a, i) => {
        const p = placed[i]!;
        return (
          <g key={a.name}>
            {p.moved && <line x1={a.x} y1={a.y} x2={p.x} y2={p.y + (p.y < a.y ? FONT_SIZE / 2 : -FONT_SIZE / 2)} stroke="#64748b" strokeWidth={0.75} />}
            <text x={p.x} y={p.y} textAnchor="middle" dominantBaseline="central" fill="#cbd5e1" fontSize={FONT_SIZE}>{a.name}</text>
          </g>
        );
      })}
    </g>
  );
}
