import { useStudio } from '../app/store.ts';

/** Tells the user whether the GPU or the slower CPU fallback will quantize. */
export function BackendBadge() {
  const backend = useStudio((s) => s.backend);
  if (!backend) return <span className="badge badge-pending">Checking WebGPU…</span>;
  return (
    <span className={`badge badge-${backend.kind}`} data-testid="backend" title={backend.detail}>
      {backend.kind === 'gpu' ? '⚡ ' : ''}
      {backend.detail}
    </span>
  );
}
