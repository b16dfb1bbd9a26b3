// The frontier chart's legend, drawn with the very markers the chart plots (recharts' own legend
// draws a hollow series' icon with its fill, which is none: the marker vanished).

export type MarkerKind = 'line' | 'circle' | 'diamond';

export interface LegendEntry { label: string; kind: MarkerKind; color: string; hollow: boolean }

export function Marker({ kind, color, hollow }: Omit<LegendEntry, 'label'>) {
  const fill = hollow ? 'none' : color;
  return (
    <svg width={16} height={12} viewBox="0 0 16 12" aria-hidden="true">
      {kind === 'line' && <line x1={1} y1={6} x2={15} y2={6} stroke={color} strokeWidth={2} />}
      {kind === 'circle' && <circle cx={8} cy={6} r={4} fill={fill} stroke={color} strokeWidth={1.5} />}
      {kind === 'diamond' && <path d="M8 1 L13 6 L8 11 L3 6 Z" fill={fill} stroke={color} strokeWidth={1.5} />}
    </svg>
  );
}

export function FrontierLegend({ entries }: { entries: readonly LegendEntry[] }) {
  return (
    <ul className="chart-legend" data-testid="frontier-legend">
      {entries.map((e) => (
        <li key={e.label}>
          <Marker kind={e.kind} color={e.color} hollow={e.hollow} />
          {e.label}
        </li>
      ))}
    </ul>
  );
}
