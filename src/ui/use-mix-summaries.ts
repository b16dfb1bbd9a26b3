import { useMemo } from 'react';
import { imatrixExtraMetadata, mixSummaries, type MixSummary } from '../app/mix-choices.ts';
import { useStudio } from '../app/store.ts';
import type { MixName } from '../core/recipe/mix-names.ts';

/** Every mix's size for the open model (with the loaded imatrix's keys), recomputed when either changes. */
export function useMixSummaries(): Record<MixName, MixSummary> | null {
  const plan = useStudio((s) => s.source.plan);
  const imatrix = useStudio((s) => s.imatrix);
  return useMemo(() => {
    if (!plan) return null;
    const ready = imatrix.status === 'ready';
    return mixSummaries(plan, ready, imatrixExtraMetadata(ready ? imatrix : null));
  }, [plan, imatrix]);
}
