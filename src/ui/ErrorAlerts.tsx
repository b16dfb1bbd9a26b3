import { useStudio } from '../app/store.ts';

/** Bad input, recipes that cannot be applied and failed exports, each as its own alert. */
export function ErrorAlerts() {
  const sourceError = useStudio((s) => s.source.error);
  const recipeError = useStudio((s) => s.recipe.error);
  const imatrixError = useStudio((s) => s.imatrix.error);
  const exportError = useStudio((s) => s.exportJob.error);
  const blocked = useStudio((s) => s.exportJob.phase === 'blocked');
  const alerts = [
    sourceError && { id: 'source', title: 'This model cannot be opened', text: sourceError },
    imatrixError && { id: 'imatrix', title: 'This importance matrix cannot be read', text: imatrixError },
    recipeError && { id: 'recipe', title: 'This mix cannot be applied; the last recipe that could is shown', text: recipeError },
    exportError && {
      id: 'export',
      title: blocked ? 'This recipe cannot be exported yet; nothing was started' : 'Export failed; nothing was saved',
      text: exportError,
    },
  ].filter((a): a is { id: string; title: string; text: string } => Boolean(a));
  return alerts.map((a) => (
    <div className="alert" role="alert" key={a.id} data-testid={`alert-${a.id}`}>
      <strong>{a.title}</strong>
      <span className="alert-text">{a.text}</span>
    </div>
  ));
}
