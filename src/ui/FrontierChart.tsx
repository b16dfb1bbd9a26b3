// Size versus KL divergence: the dynamic allocation's predicted frontier (a line), llama.cpp's
// mixes at their sizes (hollow: predicted; filled: measured, once measured), and the current
// recipe (predicted, and measured after an export). Log KL axis: the mixes span decades.
import { useMemo } from 'react';
import { CartesianGrid, ComposedChart, Line, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import { frontierPoints } from '../core/dynamic/frontier.ts';
import { predictKld } from '../core/dynamic/predict.ts';
import { candidateList } from '../app/dynamic-actions.ts';
import { imatrixExtraMetadata } from '../app/mix-choices.ts';
import { useStudio } from '../app/store.ts';
import { currentTable } from '../app/measurement-inputs.ts';
import { formatBytes, formatKl } from './format.ts';
import { FrontierLabels } from './FrontierLabels.tsx';
import { FrontierLegend, type LegendEntry } from './FrontierLegend.tsx';
import { logTicks } from './log-axis.ts';

const axis = { stroke: '#8b98a9', fontSize: 11 };
const axisTitle = { fill: '#8b98a9', fontSize: 11 };
const tooltipStyle = { background: '#0f1620', border: '1px solid #33425a', borderRadius: 8, fontSize: 12 };

interface Point { bytes: number; kld: number; label: string; name?: string }

/** The series, with the marker each draws: the chart and its legend read this one table. */
const SERIES = {
  line: { label: 'dynamic (predicted)', kind: 'line', color: '#60a5fa', hollow: false },
  predicted: { label: 'mixes (predicted)', kind: 'circle', color: '#fbbf24', hollow: true },
  measured: { label: 'mixes (measured)', kind: 'circle', color: '#fbbf24', hollow: false },
  mine: { label: 'this recipe (predicted)', kind: 'diamond', color: '#34d399', hollow: true },
  mineMeasured: { label: 'this recipe (measured)', kind: 'diamond', color: '#34d399', hollow: false },
} as const satisfies Record<string, LegendEntry>;

/** log axes cannot show 0: a recipe that changes nothing sits at the floor. */
const floorOf = (values: number[]) => Math.max(1e-9, Math.min(...values.filter((v) => v > 0)) / 2);

export default function FrontierChart() {
  const plan = useStudio((s) => s.source.plan);
  const table = useStudio(currentTable);
  const candidates = useStudio((s) => s.dynamic.candidates);
  const overrides = useStudio((s) => s.recipe.overrides);
  const imatrix = useStudio((s) => s.imatrix);
  const mixes = useStudio((s) => s.dynamic.mixes);
  const exported = useStudio((s) => s.dynamic.exported);
  const currentBytes = useStudio((s) => s.recipe.totalBytes);
  const types = useStudio((s) => s.recipe.types);
  const currentKld = useMemo(() => (table && types ? predictKld(table, types) : null), [table, types]);
  const isDynamic = useStudio((s) => s.recipe.dynamic !== null);

  const frontier = useMemo(() => {
    if (!plan || !table) return [];
    const extraMetadata = imatrixExtraMetadata(imatrix.status === 'ready' ? imatrix : null);
    return frontierPoints({ plan, table, locked: new Map(Object.entries(overrides)), allowed: candidateList(candidates), extraMetadata, points: 28 });
  }, [plan, table, overrides, candidates, imatrix]);

  const series = useMemo(() => {
    const line: Point[] = frontier.map((p) => ({ bytes: p.fileBytes, kld: p.predictedKld, label: 'dynamic' }));
    const predicted: Point[] = [];
    const measured: Point[] = [];
    // Mixes that give this model the same file (small models fall back to the same types) are one point.
    const bySize = new Map<number, { names: string[]; p: NonNullable<(typeof mixes)[keyof typeof mixes]> }>();
    for (const [mix, p] of Object.entries(mixes)) {
      if (!p) continue;
      const same = bySize.get(p.fileBytes);
      if (same) same.names.push(mix);
      else bySize.set(p.fileBytes, { names: [mix], p });
    }
    for (const { names, p } of bySize.values()) {
      const name = names.join(' = ');
      predicted.push({ bytes: p.fileBytes, kld: p.predictedKld, label: `${name} (predicted)`, name: names.length > 2 ? `${names[0]} (+${names.length - 1})` : name });
      if (p.measuredKld !== null) measured.push({ bytes: p.fileBytes, kld: p.measuredKld, label: `${name} (measured)` });
    }
    const mine: Point[] = [];
    if (currentKld !== null) mine.push({ bytes: currentBytes, kld: currentKld, label: isDynamic ? 'this recipe (predicted)' : 'this mix (predicted)' });
    const mineMeasured: Point[] = exported?.measuredKld != null ? [{ bytes: exported.fileBytes, kld: exported.measuredKld, label: `${exported.label} (measured)` }] : [];
    const all = [...line, ...predicted, ...measured, ...mine, ...mineMeasured];
    const floor = floorOf(all.map((p) => p.kld));
    const lift = (ps: Point[]) => ps.map((p) => ({ ...p, kld: Math.max(p.kld, floor) }));
    const kls = all.map((p) => Math.max(p.kld, floor));
    // Head room above the highest point for its label; the ticks are chosen for this range.
    const domain: [number, number] = [Math.min(...kls) / 1.4, Math.max(...kls) * 2];
    return { line: lift(line), predicted: lift(predicted), measured: lift(measured), mine: lift(mine), mineMeasured: lift(mineMeasured), domain };
  }, [frontier, mixes, currentBytes, currentKld, isDynamic, exported]);

  if (frontier.length === 0) return null;
  const shown = (Object.keys(SERIES) as (keyof typeof SERIES)[]).filter((k) => series[k].length > 0);
  return (
    <figure className="chart" data-testid="frontier-chart" data-points={frontier.length} data-mixes-measured={series.measured.length}>
      <figcaption>
        File size vs KL divergence <span className="muted">(predicted from the measured sensitivities; filled: measured on the held-out chunks)</span>
      </figcaption>
      <FrontierLegend entries={shown.map((k) => SERIES[k])} />
      <ResponsiveContainer width="100%" height={300}>
        <ComposedChart margin={{ top: 8, right: 24, bottom: 24, left: 8 }}>
          <CartesianGrid stroke="#273142" strokeDasharray="3 3" />
          <XAxis dataKey="bytes" type="number" domain={['dataMin', 'dataMax']} {...axis} tickFormatter={(v: number) => formatBytes(v)}
            label={{ value: 'GGUF size', position: 'insideBottom', offset: -16, ...axisTitle }} />
          {/* Wide enough for "1.53e-3" beside the title, so the two never overlap. */}
          <YAxis dataKey="kld" type="number" scale="log" domain={series.domain} ticks={logTicks(...series.domain)} allowDataOverflow {...axis}
            tickFormatter={formatKl} width={72} label={{ value: 'KL divergence (nats)', angle: -90, position: 'insideLeft', offset: 4, style: { textAnchor: 'middle' }, ...axisTitle }} />
          <Tooltip contentStyle={tooltipStyle} cursor={{ stroke: '#33425a' }}
            formatter={(v, _n, item) => [formatKl(Number(v)), (item?.payload as Point | undefined)?.label ?? '']}
            labelFormatter={(v) => formatBytes(Number(v))} />
          <Line data={series.line} dataKey="kld" name={SERIES.line.label} stroke={SERIES.line.color} strokeWidth={2} dot={false} isAnimationActive={false} />
          <Scatter data={series.predicted} dataKey="kld" name={SERIES.predicted.label} fill="none" stroke={SERIES.predicted.color} strokeWidth={1.5} isAnimationActive={false} />
          <Scatter data={series.measured} dataKey="kld" name={SERIES.measured.label} fill={SERIES.measured.color} isAnimationActive={false} />
          <Scatter data={series.mine} dataKey="kld" name={SERIES.mine.label} fill="none" stroke={SERIES.mine.color} strokeWidth={2} shape="diamond" isAnimationActive={false} />
          <Scatter data={series.mineMeasured} dataKey="kld" name={SERIES.mineMeasured.label} fill={SERIES.mineMeasured.color} shape="diamond" isAnimationActive={false} />
          <FrontierLabels points={series.predicted.map((p) => ({ bytes: p.bytes, kld: p.kld, name: p.name! }))} />
        </ComposedChart>
      </ResponsiveContainer>
    </figure>
  );
}
