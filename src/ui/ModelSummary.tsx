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
      <div className="summary-item">
        <span className="summary-label">Architecture</span>
        <span className="summary-value">{plan.hfArchitecture}</span>
      </div>
      <div className="summary-item">
        <span className="summary-label">Parameters</span>
        <span className="summary-value">{formatCount(params)}</span>
      </div>
      <div className="summary-item">
        <span className="summary-label">Blocks</span>
        <span className="summary-value">{plan.layerCount}</span>
      </div>
      <div className="summary-item">
        <span className="summary-label">Tensors</span>
        <span className="summary-value">{plan.tensors.length}</span>
      </div>
    </section>
  );
}
