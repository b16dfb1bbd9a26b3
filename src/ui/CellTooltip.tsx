import { standInCandidate } from '../core/dynamic/predict.ts';
import type { CostBasis, TensorSensitivity } from '../core/dynamic/sensitivity-types.ts';
import { tensorBytes, type GgmlTypeName } from '../core/ggml-type.ts';
import type { PlannedTensor } from '../core/model/plan-types.ts';
import { useStudio } from '../app/store.ts';
import { currentTable } from '../app/measurement-inputs.ts';
import { formatEnergy } from './energy-colors.ts';
import { formatBytes, formatShape } from './format.ts';
import { floatingBox } from './floating-box.ts';
import { referenceCandidate } from './sensitivity-layer.ts';
import { fixedTypeOf } from '../core/model/fixed-type.ts';

function sizeOf(tensor: PlannedTensor, type: Parameters<typeof tensorBytes>[0]): string {
  try {
    return formatBytes(tensorBytes(type, tensor.ne));
  } catch {
    return '—';
  }
}

/** Each candidate's figures, the chosen type's row marked: what the allocator weighed. */
function CandidateRows({ sensitivity, type }: { sensitivity: TensorSensitivity; type: GgmlTypeName | null }) {
  const stand = type ? standInCandidate(sensitivity, type)?.type : undefined;
  return (
    <table className="tooltip-table" data-testid="tooltip-candidates">
      <thead>
        <tr><th>type</th><th>size</th><th>error</th><th>KL</th></tr>
      </thead>
      <tbody>
        {sensitivity.candidates.map((c) => (
          <tr key={c.type} className={c.type === stand ? 'tooltip-row-chosen' : undefined}>
            <td>{c.type}</td>
            <td>{formatBytes(c.bytes)}</td>
            <td>{formatEnergy(c.weightedError)}</td>
            <td title={BASIS[c.basis].title}>
              {formatEnergy(c.kld)}{BASIS[c.basis].mark}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** How each KL figure was obtained, as the cell says it: a hover title and a mark after the figure. */
const BASIS: Record<CostBasis, { title: string; mark: string }> = {
  measured: { title: 'measured', mark: '' },
  estimated: { title: 'estimated from its layer’s output and one measurement in that layer', mark: ' ≈' },
  fitted: { title: 'fitted from this tensor’s measurements', mark: ' ~' },
  prior: { title: 'prior (architecture default)', mark: ' *' },
};

export function CellTooltip({ tensor, rect }: { tensor: PlannedTensor; rect: DOMRect }) {
  const type = useStudio((s) => s.recipe.types?.get(tensor.ggufName) ?? null);
  const edited = useStudio((s) => tensor.ggufName in s.recipe.overrides);
  const dynamic = useStudio((s) => s.recipe.dynamic !== null);
  const energy = useStudio((s) => (s.imatrix.status === 'ready' ? s.imatrix.meanEnergy[tensor.ggufName] : undefined));
  const sensitivity = useStudio((s) => currentTable(s)?.tensors.find((t) => t.name === tensor.ggufName) ?? null);
  const reference = sensitivity ? referenceCandidate(sensitivity) : null;
  const cost = sensitivity && type ? standInCandidate(sensitivity, type) : null;
  return (
    <div className="tooltip" role="tooltip" data-testid="cell-tooltip" style={floatingBox(rect, 360, sensitivity ? 190 + 19 * sensitivity.candidates.length : 150)}>
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
          {edited ? (dynamic ? ' · locked by you' : ' · set by you') : ''}
          {tensor.quantizable ? '' : ` · always ${fixedTypeOf(tensor)}`}
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
        {reference && (
          <>
            <dt>Sensitivity</dt>
            <dd data-testid="tooltip-sensitivity">
              {formatEnergy(reference.kld)} <span className="muted">(KL with only this tensor at {reference.type})</span>
            </dd>
          </>
        )}
        {sensitivity && type && (
          <>
            <dt>Predicted KL</dt>
            <dd data-testid="tooltip-predicted">
              {formatEnergy(cost?.kld ?? 0)} <span className="muted">at {type}{cost && cost.type !== type ? ` (as ${cost.type})` : ''}</span>
            </dd>
          </>
        )}
      </dl>
      {sensitivity && <CandidateRows sensitivity={sensitivity} type={type} />}
    </div>
  );
}
