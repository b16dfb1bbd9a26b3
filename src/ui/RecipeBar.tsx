import { bitsPerWeight } from '../core/ggml-type.ts';
import { startExport } from '../app/export-actions.ts';
import { setBaseType } from '../app/recipe-actions.ts';
import { useStudio } from '../app/store.ts';
import { STUDIO_TYPES } from '../app/studio-types.ts';
import { formatBytes } from './format.ts';
import { TYPE_COLORS } from './type-colors.ts';

function BaseTypePicker() {
  const baseType = useStudio((s) => s.recipe.baseType);
  return (
    <div className="base-types" role="radiogroup" aria-label="Base type">
      {STUDIO_TYPES.map((type) => (
        <button
          key={type}
          type="button"
          role="radio"
          aria-checked={type === baseType}
          className="base-type"
          data-base-type={type}
          title={`${bitsPerWeight(type)} bits per weight`}
          onClick={() => setBaseType(type)}
        >
          <span className="swatch" style={{ background: TYPE_COLORS[type].fill }} />
          {type}
        </button>
      ))}
    </div>
  );
}

export function RecipeBar() {
  const totalBytes = useStudio((s) => s.recipe.totalBytes);
  const bpw = useStudio((s) => s.recipe.bitsPerWeight);
  const edits = useStudio((s) => Object.keys(s.recipe.overrides).length);
  const canExport = useStudio((s) => s.recipe.types !== null && s.exportJob.phase !== 'running');
  return (
    <section className="recipe-bar" aria-label="Recipe">
      <div className="recipe-field">
        <span className="field-label">Base type</span>
        <BaseTypePicker />
      </div>
      <div className="recipe-stats">
        <div className="stat">
          <span className="stat-value" data-testid="total-size">{formatBytes(totalBytes)}</span>
          <span className="stat-label">GGUF size</span>
        </div>
        <div className="stat">
          <span className="stat-value" data-testid="bits-per-weight">{bpw.toFixed(2)}</span>
          <span className="stat-label">bits / weight</span>
        </div>
        <div className="stat">
          <span className="stat-value" data-testid="edit-count">{edits}</span>
          <span className="stat-label">{edits === 1 ? 'tensor edited' : 'tensors edited'}</span>
        </div>
        <button type="button" className="button button-primary" disabled={!canExport} onClick={() => void startExport()}>
          Export GGUF
        </button>
      </div>
    </section>
  );
}
