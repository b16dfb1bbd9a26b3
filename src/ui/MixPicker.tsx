import { setMix } from '../app/recipe-actions.ts';
import { MIX_GROUPS, MIX_HINTS, type MixSummary } from '../app/mix-choices.ts';
import { useStudio } from '../app/store.ts';
import { useMixSummaries } from './use-mix-summaries.ts';
import { MIXES, parseMixName } from '../core/recipe/llama-mixes.ts';
import type { MixName } from '../core/recipe/mix-names.ts';
import { formatBytes } from './format.ts';
import { TYPE_COLORS } from './type-colors.ts';

/** The select's value while a dynamic recipe is applied: no mix is, picking one leaves it. */
const DYNAMIC = '__dynamic';

/** Size · bits per weight · one line of guidance; a mix that cannot be made yet says only why. */
function optionLabel(mix: MixName, summary: MixSummary | undefined): string {
  if (!summary) return `${mix} — ${MIX_HINTS[mix]}`;
  if (!summary.ok) return `${mix} — needs an imatrix`;
  return `${mix} — ${formatBytes(summary.totalBytes)} · ${summary.bitsPerWeight.toFixed(2)} bpw · ${MIX_HINTS[mix]}`;
}

/**
 * llama-quantize's named file types in one grouped dropdown (32 entries stay usable that way),
 * each labelled with the size it gives this model, computed from shapes alone.
 */
export function MixPicker() {
  const mix = useStudio((s) => s.recipe.mix);
  const dynamic = useStudio((s) => s.recipe.dynamic !== null);
  const summaries = useMixSummaries();
  return (
    <label className="recipe-field">
      <span className="field-label">Quantization mix</span>
      <span className="mix-picker">
        <span className="swatch" style={{ background: TYPE_COLORS[MIXES[mix].defaultType].fill }} aria-hidden="true" />
        <select
          className="mix-select"
          data-testid="mix-select"
          value={dynamic ? DYNAMIC : mix}
          onChange={(e) => {
            const picked = parseMixName(e.currentTarget.value);
            if (picked) setMix(picked);
          }}
        >
          {dynamic && (
            <option value={DYNAMIC} disabled>
              Dynamic recipe (file type {mix})
            </option>
          )}
          {MIX_GROUPS.map((group) => (
            <optgroup key={group.label} label={group.label}>
              {group.mixes.map((m) => (
                <option key={m} value={m}>
                  {optionLabel(m, summaries?.[m])}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </span>
    </label>
  );
}
