import { tensorBytes } from '../core/ggml-type.ts';
import type { PlannedTensor } from '../core/model/plan-types.ts';
import { useStudio } from '../app/store.ts';
import { formatEnergy } from './energy-colors.ts';
import { formatBytes, formatShape } from './format.ts';
import { floatingBox } from './floating-box.ts';

function sizeOf(tensor: PlannedTensor, type: Parameters<typeof tensorBytes>[0]): string {
  try {
    return formatBytes(tensorBytes(type, tensor.ne));
  } catch {
    return '—';
  }
}

export function CellTooltip({ tensor, rect }: { tensor: PlannedTensor; rect: DOMRect }) {
  const type = useStudio((s) => s.recipe.types?.get(tensor.ggufName) ?? null);
  const edited = useStudio((s) => tensor.ggufName in s.recipe.overrides);
  const energy = useStudio((s) => (s.imatrix.status === 'ready' ? s.imatrix.meanEnergy[tensor.ggufName] : undefined));
  return (
    <div className="tooltip" role="tooltip" style={floatingBox(rect, 360, 150)}>
      <div className="tooltip-title">{tensor.ggufName}</div>
      <dl>
        <dt>HF name</dt>
        <dd>{tensor.hfName}</dd>
        <dt>Shape</dt>
        <dd>
          {formatShape(tensor.source.shape)} <span className="muted">({tensor.source.dtype})</span>
        </dd>
        <dt>Type</dt>
        <dd>
          {type ?? '?'}
          {edited ? ' · set by you' : ''}
          {tensor.quantizable ? '' : ' · always F32'}
        </dd>
        <dt>Size</dt>
        <dd>{type ? sizeOf(tensor, type) : '—'}</dd>
        {energy !== undefined && (
          <>
            <dt>Activation energy</dt>
            <dd data-testid="tooltip-energy">
              {formatEnergy(energy)} <span className="muted">(mean x² per column)</span>
            </dd>
          </>
        )}
      </dl>
    </div>
  );
}
