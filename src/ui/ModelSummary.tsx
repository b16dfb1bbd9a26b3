import { useMemo } from 'react';
import { useStudio } from '../app/store.ts';
import { formatCount } from './format.ts';

export function ModelSummary() {
  const plan = useStudio((s) => s.source.plan);
  const params = useMemo(
    () => plan?.tensors.reduce((sum, t) => sum + t.ne.reduce((a, b) => a * b, 1), 0) ?? 0,
    [plan],
  );
  if (!plan) return null;
  return (
    <section className="summary" aria-label="Model">
      <SummaryItem label="Architecture" value={plan.hfArchitecture === 'GGUF' ? `${plan.architecture} (GGUF)` : plan.hfArchitecture} />
      <SummaryItem label="Parameters" value={formatCount(params)} />
      <SummaryItem label="Blocks" value={plan.layerCount} />
      <SummaryItem label="Tensors" value={plan.tensors.length} />
    </section>
  );
}

function SummaryItem({ label, value }: { label: string; value: string | number }) {
  return (
    <div className="summary-item">
      <span className="summary-label">{label}</span>
      <span className="summary-value">{value}</span>
    </div>
  );
}
