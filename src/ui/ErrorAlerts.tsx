import { useStudio } from '../app/store.ts';

/** Bad input and failed exports, each as its own alert so screen readers announce it. */
export function ErrorAlerts() {
  const sourceError = useStudio((s) => s.source.error);
  const recipeError = useStudio((s) => s.recipe.error);
  const exportError = useStudio((s) => s.exportJob.error);
  const alerts = [
    sourceError && { title: 'This model cannot be opened', text: sourceError },
    recipeError && { title: 'These types cannot be applied', text: recipeError },
    exportError && { title: 'Export failed; nothing was saved', text: exportError },
  ].filter((a): a is { title: string; text: string } => Boolean(a));
  return alerts.map((a) => (
    <div className="alert" role="alert" key={a.title}>
      <strong>{a.title}</strong>
      <span className="alert-text">{a.text}</span>
    </div>
  ));
}
