import { useMemo } from 'react';
import { Area, AreaChart, CartesianGrid, ComposedChart, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { kldHistogram, topAgreementSeries } from '../app/kld-charts.ts';
import type { EvaluationResult } from '../workers/protocol.ts';
import { formatKl } from './format.ts';
import { logTicks } from './log-axis.ts';

const axis = { stroke: '#8b98a9', fontSize: 11 };
const tooltipStyle = { background: '#0f1620', border: '1px solid #33425a', borderRadius: 8, fontSize: 12 };

/** The KL-divergence distribution: share of positions per log-spaced bin, drawn as steps. */
export function KldHistogramChart({ result }: { result: EvaluationResult }) {
  const bins = useMemo(() => kldHistogram(result.kldValues), [result]);
  if (bins.length === 0) return null;
  // A step per bin: each bin's share from its left edge, closed at the last right edge.
  const data = [...bins.map((b) => ({ x: b.from, share: 100 * b.share, count: b.count })), { x: bins[bins.length - 1]!.to, share: 100 * bins[bins.length - 1]!.share, count: 0 }];
  const lo = bins[0]!.from;
  const hi = bins[bins.length - 1]!.to;
  return (
    <figure className="chart" data-testid="kld-histogram">
      <figcaption>KL divergence per position <span className="muted">(log scale, {result.kldValues.length} positions)</span></figcaption>
      <ResponsiveContainer width="100%" height={210}>
        <AreaChart data={data} margin={{ top: 8, right: 16, bottom: 18, left: 0 }}>
          <CartesianGrid stroke="#273142" strokeDasharray="3 3" />
          <XAxis dataKey="x" type="number" scale="log" domain={[lo, hi]} ticks={logTicks(lo, hi)} tickFormatter={formatKl} {...axis} label={{ value: 'KLD (nats)', position: 'insideBottom', offset: -10, fill: '#8b98a9', fontSize: 11 }} />
          <YAxis {...axis} tickFormatter={(v: number) => `${v.toFixed(0)}%`} width={44} />
          <Tooltip contentStyle={tooltipStyle} labelFormatter={(v) => `KLD ≥ ${formatKl(Number(v))}`} formatter={(v) => [`${Number(v).toFixed(1)}% of positions`, 'share']} />
          <Area type="stepAfter" dataKey="share" stroke="#60a5fa" fill="rgba(59, 130, 246, 0.35)" isAnimationActive={false} />
        </AreaChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** How often the quantized model's top token is the base model's, by position in the context. */
export function TopAgreementChart({ result }: { result: EvaluationResult }) {
  const data = useMemo(
    () => topAgreementSeries(result.sameTopByPosition, result.firstScored, Math.max(3, Math.round(result.sameTopByPosition.length / 24) | 1)),
    [result],
  );
  return (
    <figure className="chart" data-testid="top-agreement">
      <figcaption>Top-token agreement by position <span className="muted">(over {result.chunks} chunks; line: moving average)</span></figcaption>
      <ResponsiveContainer width="100%" height={210}>
        <ComposedChart data={data} margin={{ top: 8, right: 16, bottom: 18, left: 0 }}>
          <CartesianGrid stroke="#273142" strokeDasharray="3 3" />
          <XAxis dataKey="position" type="number" domain={['dataMin', 'dataMax']} {...axis} label={{ value: 'position in the context', position: 'insideBottom', offset: -10, fill: '#8b98a9', fontSize: 11 }} />
          <YAxis domain={[0, 100]} {...axis} tickFormatter={(v: number) => `${v}%`} width={44} />
          <Tooltip contentStyle={tooltipStyle} labelFormatter={(v) => `position ${String(v)}`} formatter={(v, name) => [`${Number(v).toFixed(1)}%`, name === 'smoothed' ? 'moving average' : 'agreement']} />
          <Area type="linear" dataKey="agreement" stroke="none" fill="rgba(20, 184, 166, 0.25)" isAnimationActive={false} />
          <Line type="monotone" dataKey="smoothed" stroke="#34d399" dot={false} strokeWidth={2} isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** Both charts; the default export so the page loads recharts only when a result is shown. */
export default function EvaluationCharts({ result }: { result: EvaluationResult }) {
  return (
    <div className="charts">
      <KldHistogramChart result={result} />
      <TopAgreementChart result={result} />
    </div>
  );
}
