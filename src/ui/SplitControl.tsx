import { useMemo } from 'react';
import { editExportSplit } from '../app/export-split.ts';
import { plannedExportFiles } from '../app/export-files.ts';
import { useStudio } from '../app/store.ts';

/** "Split above N GB": the export writes llama-gguf-split's files when the GGUF is larger. */
export function SplitControl() {
  const split = useStudio((s) => s.exportSplit);
  const types = useStudio((s) => s.recipe.types);
  const extra = useStudio((s) => s.exportExtraMixes);
  const imatrix = useStudio((s) => s.imatrix.status);
  const files = useMemo(() => {
    try {
      const planned = plannedExportFiles(useStudio.getState());
      return { files: planned.reduce((n, f) => n + (f.split?.names.length ?? 1), 0), levels: planned.length };
    } catch (e) {
      return (e as Error).message;
    }
    // The plan is fixed while a model is open; the types, the other levels and the limit decide the cut.
  }, [types, split, extra, imatrix]);
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
          {typeof files === 'string' ? files : files.files > files.levels ? `→ ${files.files} files` : files.levels > 1 ? '→ none split' : '→ one file'}
        </span>
      )}
    </div>
  );
}
