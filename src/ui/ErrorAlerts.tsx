import { openGgufChoice } from '../app/gguf-choice-actions.ts';
import { useStudio } from '../app/store.ts';
import { studioWords } from '../app/studio-words.ts';
import { TextWithLinks } from './TextWithLinks.tsx';

/** Bad input, recipes that cannot be applied and failed exports, each as its own alert. */
export function ErrorAlerts() {
  const sourceError = useStudio((s) => s.source.error);
  // A repo or folder of several GGUFs: each is offered to open.
  const choices = useStudio((s) => s.source.ggufChoices);
  // A failed open of another model leaves the one before it open (open-model.ts).
  const stillOpen = useStudio((s) => (s.source.status === 'ready' ? s.source.label : null));
  const recipeError = useStudio((s) => s.recipe.error);
  const imatrixError = useStudio((s) => s.imatrix.error);
  const exportError = useStudio((s) => s.exportJob.error);
  const blocked = useStudio((s) => s.exportJob.phase === 'blocked');
  const alerts = [
    sourceError && {
      id: 'source',
      title: choices ? 'Several GGUF models here: open one' : stillOpen ? `That model cannot be opened; ${stillOpen} is still open` : 'This model cannot be opened',
      text: sourceError,
    },
    imatrixError && { id: 'imatrix', title: 'This importance matrix cannot be read', text: imatrixError },
    recipeError && { id: 'recipe', title: 'This mix cannot be applied; the last recipe that could is shown', text: recipeError },
    exportError && {
      id: 'export',
      title: blocked ? 'This recipe cannot be exported yet; nothing was started' : 'Export failed; nothing was saved',
      text: exportError,
    },
  ].filter((a): a is { id: string; title: string; text: string } => Boolean(a));
  return alerts.map((a) => (
    <div className={`alert${a.id === 'source' && choices ? ' alert-notice' : ''}`} role="alert" key={a.id} data-testid={`alert-${a.id}`}>
      <strong>{a.title}</strong>
      <span className="alert-text"><TextWithLinks text={studioWords(a.text)} /></span>
      {a.id === 'source' && choices && (
        <div className="gguf-choices" data-testid="gguf-choices">
          {choices.map((file) => (
            <button type="button" className="button button-quiet" key={file} onClick={() => void openGgufChoice(file)}>
              Open {file}
            </button>
          ))}
        </div>
      )}
    </div>
  ));
}
