// Size versus KL divergence: the dynamic allocation's predicted frontier (a line), llama.cpp's
// mixes at their sizes (hollow: predicted; filled: measured, once measured), and the current
// recipe (predicted, and measured after an export). Log KL axis: the mixes span decades.
import { useMemo } from 'react';
import { CartesianGrid, ComposedChart, LabelList, Legend, Line, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import { frontierPoints } from '../core/dynamic/frontier.ts';
import { predictKld } from '../core/dynamic/predict.ts';
import { candidateList } from '../app/dynamic-actions.ts';
import { imatrixExtraMetadata } from '../app/mix-choices.ts';
import { useStudio } from '../app/store.ts';
import { currentTable } from '../app/measurement-inputs.ts';
import { formatEnergy } from './energy-colors.ts';
import { formatBytes } from './format.ts';

const axis = { stroke: '#8b98a9', fontSize: 11 };
const tooltipStyle = { background: '#0f1620', border: '1px solid #33425a', borderRadius: 8, fontSize: 12 };

interface Point { mb: number; kld: number; label: string; mix?: string }

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
    const mb = (bytes: number) => bytes / 1e6;
    const line: Point[] = frontier.map((p) => ({ mb: mb(p.fileBytes), kld: p.predictedKld, label: 'dynamic' }));
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
      predicted.push({ mb: mb(p.fileBytes), kld: p.predictedKld, label: `${name} (predicted)`, mix: names.length > 2 ? `${names[0]} (+${names.length - 1})` : name });
      if (p.measuredKld !== null) measured.push({ mb: mb(p.fileBytes), kld: p.measuredKld, label: `${name} (measured)` });
    }
    const mine: Point[] = [];
    if (currentKld !== null) mine.push({ mb: mb(currentBytes), kld: currentKld, label: isDynamic ? 'this recipe (predicted)' : 'this mix (predicted)' });
    const mineMeasured: Point[] = exported?.measuredKld != null ? [{ mb: mb(exported.fileBytes), kld: exported.measuredKld, label: `${exported.label} (measured)` }] : [];
    const all = [...line, ...predicted, ...measured, ...mine, ...mineMeasured];
    const floor = floorOf(all.map((p) => p.kld));
    const lift = (ps: Point[]) => ps.map((p) => ({ ...p, kld: Math.max(p.kld, floor) }));
    return { line: lift(line), predicted: lift(predicted), measured: lift(measured), mine: lift(mine), mineMeasured: lift(mineMeasured), floor };
  }, [frontier, mixes, currentBytes, currentKld, isDynamic, exported]);

  if (frontier.length === 0) return null;
  return (
    <figure className="chart" data-testid="frontier-chart" data-points={frontier.length} data-mixes-measured={series.measured.length}>
      <figcaption>
        File size vs KL divergence <span className="muted">(line: dynamic allocations, predicted · hollow: llama.cpp mixes, predicted · filled: measured on the held-out chunks)</span>
      </figcaption>
      <ResponsiveContainer width="100%" height={300}>
        <ComposedChart margin={{ top: 10, right: 34, bottom: 22, left: 6 }}>
          <CartesianGrid stroke="#273142" strokeDasharray="3 3" />
          <XAxis dataKey="mb" type="number" domain={['dataMin', 'dataMax']} {...axis} tickFormatter={(v: number) => formatBytes(v * 1e6)}
            label={{ value: 'GGUF size', position: 'insideBottom', offset: -12, fill: '#8b98a9', fontSize: 11 }} />
          <YAxis dataKey="kld" type="number" scale="log" domain={['auto', 'auto']} allowDataOverflow {...axis} tickFormatter={(v: number) => formatEnergy(v)} width={58}
            label={{ value: 'KL (nats)', angle: -90, position: 'insideLeft', fill: '#8b98a9', fontSize: 11 }} />
          <Tooltip contentStyle={tooltipStyle} cursor={{ stroke: '#33425a' }}
            formatter={(v, _n, item) => [formatEnergy(Number(v)), (item?.payload as Point | undefined)?.label ?? '']}
            labelFormatter={(v) => formatBytes(Number(v) * 1e6)} />
          <Legend verticalAlign="top" height={26} wrapperStyle={{ fontSize: 12 }} />
          <Line data={series.line} dataKey="kld" name="dynamic (predicted)" stroke="#60a5fa" strokeWidth={2} dot={false} isAnimationActive={false} />
          <Scatter data={series.predicted} dataKey="kld" name="mixes (predicted)" fill="none" stroke="#fbbf24" strokeWidth={1.5} legendType="circle" isAnimationActive={false}>
            <LabelList dataKey="mix" position="top" offset={8} fill="#cbd5e1" fontSize={10} />
          </Scatter>
          <Scatter data={series.measured} dataKey="kld" name="mixes (measured)" fill="#fbbf24" isAnimationActive={false} />
          <Scatter data={series.mine} dataKey="kld" name="this recipe (predicted)" fill="none" stroke="#34d399" strokeWidth={2} shape="diamond" isAnimationActive={false} />
          <Scatter data={series.mineMeasured} dataKey="kld" name="this recipe (measured)" fill="#34d399" shape="diamond" isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </figure>
  );
}
