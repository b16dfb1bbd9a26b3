import { useMemo } from 'react';
import { bitsPerWeight, type GgmlTypeName } from '../core/ggml-type.ts';
import { useStudio } from '../app/store.ts';
import { STUDIO_TYPES } from '../app/studio-types.ts';
import { TYPE_COLORS } from './type-colors.ts';

/** Every offered type, plus any a fallback introduced, each with how many tensors use it. */
export function TypeLegend() {
  const types = useStudio((s) => s.recipe.types);
  const counts = useMemo(() => {
    const map = new Map<GgmlTypeName, number>();
    for (const t of types?.values() ?? []) map.set(t, (map.get(t) ?? 0) + 1);
    return map;
  }, [types]);
  const shown = [...new Set<GgmlTypeName>([...STUDIO_TYPES, ...counts.keys()])];
  return (
    <ul className="legend" aria-label="Type colours">
      {shown.map((type) => (
        <li key={type} className={counts.has(type) ? 'legend-used' : 'legend-unused'}>
          <span className="swatch" style={{ background: TYPE_COLORS[type].fill }} />
          <span className="legend-type">{type}</span>
          <span className="muted">
            {bitsPerWeight(type)} bpw
            {counts.has(type) ? ` · ${counts.get(type)} tensor${counts.get(type) === 1 ? '' : 's'}` : ''}
          </span>
        </li>
      ))}
    </ul>
  );
}
