import { useMemo } from 'react';
import { bitsExplanationText, explainBitsPerWeight } from '../app/bits-explained.ts';
import { startExport } from '../app/export-actions.ts';
import { requantizedTensors } from '../core/recipe/requantize.ts';
import { useStudio } from '../app/store.ts';
import { formatBytes } from './format.ts';
import { ImatrixPicker } from './ImatrixPicker.tsx';
import { MixPicker } from './MixPicker.tsx';
import { SplitControl } from './SplitControl.tsx';
import { AlsoExport } from './AlsoExport.tsx';

export function RecipeBar() {
  const totalBytes = useStudio((s) => s.recipe.totalBytes);
  const bpw = useStudio((s) => s.recipe.bitsPerWeight);
  const edits = useStudio((s) => Object.keys(s.recipe.overrides).length);
  const dynamic = useStudio((s) => s.recipe.dynamic !== null);
  const stale = useStudio((s) => s.recipe.error !== null);
  const plan = useStudio((s) => s.source.plan);
  const types = useStudio((s) => s.recipe.types);
  // A GGUF already quantized, quantized again: allowed here, but said (llama-quantize asks for --allow-requantize).
  const requantized = useMemo(() => (plan && types ? requantizedTensors(plan, types) : []), [plan, types]);
  const mix = useStudio((s) => s.recipe.mix);
  // A small model's bits per weight can be far above its mix's name (stories260K at Q4_0: 7.5): say why.
  const bitsNote = useMemo(() => {
    const e = plan && types ? explainBitsPerWeight(plan, types, mix, bpw) : null;
    return e ? bitsExplanationText(e, mix) : null;
  }, [plan, types, mix, bpw]);
  const canExport = useStudio(
    (s) => s.recipe.types !== null && s.recipe.error === null && s.exportJob.phase !== 'running',
  );
  return (
    <section className="recipe-bar" aria-label="Recipe">
      <div className="recipe-fields">
        <MixPicker />
        <ImatrixPicker />
      </div>
      <div className={`recipe-stats${stale ? ' recipe-stale' : ''}`}>
        <div className="stat">
          <span className="stat-value" data-testid="total-size" data-bytes={totalBytes} title={`${totalBytes} bytes`}>
            {formatBytes(totalBytes)}
          </span>
          <span className="stat-label">GGUF size</span>
        </div>
        <div className="stat">
          <span className="stat-value" data-testid="bits-per-weight">{bpw.toFixed(2)}</span>
          <span className="stat-label">bits / weight</span>
        </div>
        <div className="stat">
          <span className="stat-value" data-testid="edit-count">{edits}</span>
          <span className="stat-label">{dynamic ? (edits === 1 ? 'tensor locked' : 'tensors locked') : edits === 1 ? 'tensor edited' : 'tensors edited'}</span>
        </div>
        <AlsoExport />
        <SplitControl />
        <button type="button" className="button button-primary" disabled={!canExport} onClick={() => void startExport()}>
          Export GGUF
        </button>
      </div>
      {bitsNote && !stale && (
        <p className="muted recipe-note bits-note" data-testid="bits-note">
          {bitsNote}
        </p>
      )}
      {requantized.length > 0 && (
        <p className="muted analysis-warning recipe-note" role="status" data-testid="requantize-notice">
          This GGUF is already quantized: {requantized.length} tensor{requantized.length === 1 ? '' : 's'} (such as {requantized[0]!.tensor},{' '}
          {requantized[0]!.from} → {requantized[0]!.to}) will be quantized a second time, which loses more than quantizing the original
          weights once. Start from an F16, BF16 or F32 file where you can.
        </p>
      )}
    </section>
  );
}
