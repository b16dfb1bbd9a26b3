import { useMemo } from 'react';
import { bitsPerWeight, GGML_TYPE_NAMES, type GgmlTypeName } from '../core/ggml-type.ts';
import { useStudio } from '../app/store.ts';
import { TYPE_COLORS } from './type-colors.ts';

/** The types the recipe uses, in the type table's order, each with how many tensors use it. */
export function TypeLegend() {
  const types = useStudio((s) => s.recipe.types);
  const counts = useMemo(() => {
    const map = new Map<GgmlTypeName, number>();
    for (const t of types?.values() ?? []) map.set(t, (map.get(t) ?? 0) + 1);
    return map;
  }, [types]);
  const shown = GGML_TYPE_NAMES.filter((t) => counts.has(t));
  return (
    <ul className="legend" aria-label="Type colours">
      {shown.map((type) => (
        <li key={type}>
          <span className="swatch" style={{ background: TYPE_COLORS[type].fill }} />
          <span className="legend-type">{type}</span>
          <span className="muted">
            {bitsPerWeight(type)} bpw · {counts.get(type)} tensor{counts.get(type) === 1 ? '' : 's'}
          </span>
        </li>
      ))}
    </ul>
  );
}
