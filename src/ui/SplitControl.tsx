import { useMemo } from 'react';
import { editExportSplit, plannedSplit } from '../app/export-split.ts';
import { exportFileName } from '../app/export-actions.ts';
import { useStudio } from '../app/store.ts';

/** "Split above N GB": the export writes llama-gguf-split's files when the GGUF is larger. */
export function SplitControl() {
  const split = useStudio((s) => s.exportSplit);
  const types = useStudio((s) => s.recipe.types);
  const files = useMemo(() => {
    try {
      return plannedSplit(exportFileName())?.names.length ?? 1;
    } catch (e) {
      return (e as Error).message;
    }
    // The plan is fixed while a model is open; the types and the limit decide the cut.
  }, [types, split]);
  return (
    <div className="split-control" data-testid="split-control">
      <label className="check">
        <input type="checkbox" checked={split.enabled} data-testid="split-enabled" onChange={(e) => editExportSplit({ enabled: e.currentTarget.checked })} />
        Split above
      </label>
      <input
        className="text-input split-size"
        type="number"
        min="0.001"
        step="any"
        aria-label="Split size in GB"
        data-testid="split-gigabytes"
        disabled={!split.enabled}
        value={split.gigabytes}
        onChange={(e) => editExportSplit({ gigabytes: Number(e.currentTarget.value) })}
      />
      <span className="muted">GB</span>
      {split.enabled && (
        <span className="muted" data-testid="split-files" title="Split as llama-gguf-split --split-max-size; llama.cpp loads the set from its first file">
          {typeof files === 'number' ? (files > 1 ? `→ ${files} files` : '→ one file') : files}
        </span>
      )}
    </div>
  );
}
