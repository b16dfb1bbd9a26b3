import { useEffect, useState, type ChangeEvent, type RefObject } from 'react';
import { applyTypePatterns, redoEdit, resetEdits, undoEdit, type PatternResult } from '../app/recipe-actions.ts';
import { useStudio } from '../app/store.ts';

/** Keys typed into a field are the field's: Ctrl+Z there undoes the text, not the recipe. */
const typing = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

function resultText(r: PatternResult): string {
  const parts = [`set ${r.changed} tensor${r.changed === 1 ? '' : 's'}`];
  if (r.refused.length > 0) parts.push(`${r.refused.length} left as they were: their type needs an importance matrix (load one first), such as ${r.refused[0]}`);
  if (r.unmatched.length > 0) parts.push(`no tensor matched ${r.unmatched.map((p) => `"${p}"`).join(', ')}`);
  return `${parts.join('; ')}.`;
}

/**
 * Undo, redo and reset of the heatmap's edits, and edits in bulk: llama-quantize's
 * --tensor-type entries (PATTERN=TYPE) typed here, started from a row or column heading, or read
 * from a --tensor-type-file.
 */
export function EditTools({ pattern, onPattern, inputRef }: { pattern: string; onPattern: (text: string) => void; inputRef: RefObject<HTMLInputElement | null> }) {
  const canUndo = useStudio((s) => s.editHistory.past.length > 0);
  const canRedo = useStudio((s) => s.editHistory.future.length > 0);
  const edits = useStudio((s) => Object.keys(s.recipe.overrides).length);
  const [note, setNote] = useState<{ text: string; error: boolean } | null>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || typing(e.target)) return;
      const key = e.key.toLowerCase();
      if (key === 'z' && !e.shiftKey) {
        if (undoEdit()) e.preventDefault();
      } else if ((key === 'z' && e.shiftKey) || key === 'y') {
        if (redoEdit()) e.preventDefault();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const apply = (text: string, label: string) => {
    try {
      setNote({ text: resultText(applyTypePatterns(text, label)), error: false });
    } catch (e) {
      setNote({ text: (e as Error).message, error: true });
    }
  };
  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.currentTarget.files?.[0];
    e.currentTarget.value = '';
    if (file) apply(await file.text(), file.name);
  };
  return (
    <div className="edit-tools" role="toolbar" aria-label="Edit the tensor types">
      <button type="button" className="button button-small" disabled={!canUndo} title="Undo the last edit (Ctrl+Z)" onClick={undoEdit}>Undo</button>
      <button type="button" className="button button-small" disabled={!canRedo} title="Redo (Ctrl+Shift+Z)" onClick={redoEdit}>Redo</button>
      <button type="button" className="button button-small" disabled={edits === 0} data-testid="reset-edits" onClick={resetEdits}>
        Reset edits{edits > 0 ? ` (${edits})` : ''}
      </button>
      <form className="pattern-form" onSubmit={(e) => { e.preventDefault(); apply(pattern, 'the pattern'); }}>
        <input
          ref={inputRef}
          className="text-input pattern-input"
          data-testid="pattern-input"
          aria-label="Set types by name pattern, as llama-quantize's --tensor-type: PATTERN=TYPE"
          placeholder="attn_v=q8_0  ^blk\.[0-3]\.=q6_k"
          spellCheck={false}
          value={pattern}
          onChange={(e) => onPattern(e.currentTarget.value)}
        />
        <button type="submit" className="button button-small" disabled={!pattern.trim()}>Apply</button>
      </form>
      <label className="button button-small" title="llama-quantize's --tensor-type-file: PATTERN=TYPE entries">
        Import tensor-type file…
        <input type="file" className="visually-hidden" accept=".txt,text/plain" data-testid="tensor-type-file-input" onChange={(e) => void onFile(e)} />
      </label>
      {note && (
        <span className={note.error ? 'edit-note edit-note-error' : 'edit-note muted'} role={note.error ? 'alert' : 'status'} data-testid="edit-note">
          {note.text}
        </span>
      )}
    </div>
  );
}
