import { toggleExportExtraMix } from '../app/export-actions.ts';
import { MIX_GROUPS } from '../app/mix-choices.ts';
import { useStudio } from '../app/store.ts';
import { useMixSummaries } from './use-mix-summaries.ts';
import { formatBytes } from './format.ts';

/**
 * "Also export": other quant levels the Export button writes beside the recipe, from the same read
 * of the model (a Hub model is downloaded once for all of them), published together.
 */
export function AlsoExport() {
  const extra = useStudio((s) => s.exportExtraMixes);
  const busy = useStudio((s) => s.exportJob.phase === 'running');
  const summaries = useMixSummaries();
  if (!summaries) return null;
  // In the picker's order, whatever order they were ticked in.
  const ticked = MIX_GROUPS.flatMap((g) => g.mixes).filter((m) => extra.includes(m));
  return (
    <details className="also-export" data-testid="also-export">
      <summary title="Other quant levels the export writes too, from one read of the model">
        Also export{ticked.length > 0 ? `: ${ticked.join(', ')}` : ''}
      </summary>
      <div className="also-export-menu" role="group" aria-label="Also export">
        {MIX_GROUPS.map((g) => (
          <fieldset key={g.label} className="also-export-group">
            <legend className="field-label">{g.label}</legend>
            {g.mixes.map((mix) => {
              const s = summaries[mix];
              return (
                <label key={mix} className="check" title={s.ok ? undefined : s.reason}>
                  <input type="checkbox" data-mix={mix} checked={extra.includes(mix)} disabled={busy || (!s.ok && !extra.includes(mix))}
                    onChange={(e) => toggleExportExtraMix(mix, e.currentTarget.checked)} />
                  {mix} <span className="muted">{s.ok ? `${s.bitsPerWeight.toFixed(2)} bpw · ${formatBytes(s.totalBytes)}` : 'needs an imatrix'}</span>
                </label>
              );
            })}
          </fieldset>
        ))}
      </div>
    </details>
  );
}
