import { useStudio } from '../app/store.ts';

/** Tells the user whether the GPU or the slower CPU fallback will quantize, and what it writes. */
export function BackendBadge() {
  const backend = useStudio((s) => s.backend);
  const supported = useStudio((s) => s.supportedTypes);
  if (!backend) return <span className="badge badge-pending">Checking WebGPU…</span>;
  const writes = supported ? `\nWrites: ${supported.join(', ')}` : '';
  return (
    <span
      className={`badge badge-${backend.kind}`}
      data-testid="backend"
      data-supported-types={supported?.join(' ') ?? ''}
      title={`${backend.detail}${writes}`}
    >
      {backend.kind === 'gpu' ? '⚡ ' : ''}
      {backend.detail}
    </span>
  );
}
