import type { PlannedTensor } from '../core/model/plan-types.ts';
import { useStudio } from '../app/store.ts';
import { TYPE_COLORS } from './type-colors.ts';

interface Props {
  tensor: PlannedTensor;
  menuOpen: boolean;
  onOpen: (rect: DOMRect) => void;
  onHover: (rect: DOMRect | null) => void;
}

export function HeatmapCell({ tensor, menuOpen, onOpen, onHover }: Props) {
  const name = tensor.ggufName;
  const type = useStudio((s) => s.recipe.types?.get(name) ?? null);
  const edited = useStudio((s) => name in s.recipe.overrides);
  const color = type ? TYPE_COLORS[type] : null;
  return (
    <button
      type="button"
      className={`cell${edited ? ' cell-edited' : ''}${tensor.quantizable ? '' : ' cell-fixed'}`}
      data-tensor={name}
      data-type={type ?? ''}
      aria-label={`${name}: ${type ?? 'unknown type'}${edited ? ' (edited)' : ''}`}
      aria-haspopup="menu"
      aria-expanded={menuOpen}
      style={color ? { background: color.fill, color: color.ink } : undefined}
      onClick={(e) => onOpen(e.currentTarget.getBoundingClientRect())}
      onMouseEnter={(e) => onHover(e.currentTarget.getBoundingClientRect())}
      onMouseLeave={() => onHover(null)}
      onFocus={(e) => onHover(e.currentTarget.getBoundingClientRect())}
      onBlur={() => onHover(null)}
    >
      {type ?? '?'}
    </button>
  );
}
