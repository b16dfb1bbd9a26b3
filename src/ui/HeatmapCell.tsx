import type { PlannedTensor } from '../core/model/plan-types.ts';
import { useStudio } from '../app/store.ts';
import { formatEnergy } from './energy-colors.ts';
import { TYPE_COLORS, type TypeColor } from './type-colors.ts';

/** Tensors the imatrix does not cover (embeddings, norms, the output) in the energy layer. */
const NO_ENERGY: TypeColor = { fill: '#1f2937', ink: '#8b98a9' };

interface Props {
  tensor: PlannedTensor;
  /** Set when the heatmap is coloured by activation energy. */
  energy?: { value: number | undefined; color: TypeColor | null };
  menuOpen: boolean;
  onOpen: (rect: DOMRect) => void;
  onHover: (rect: DOMRect | null) => void;
}

export function HeatmapCell({ tensor, energy, menuOpen, onOpen, onHover }: Props) {
  const name = tensor.ggufName;
  const type = useStudio((s) => s.recipe.types?.get(name) ?? null);
  const edited = useStudio((s) => name in s.recipe.overrides);
  const color = energy ? energy.color ?? NO_ENERGY : type ? TYPE_COLORS[type] : null;
  return (
    <button
      type="button"
      className={`cell${edited ? ' cell-edited' : ''}${tensor.quantizable ? '' : ' cell-fixed'}`}
      data-tensor={name}
      data-type={type ?? ''}
      data-energy={energy?.value ?? undefined}
      aria-label={`${name}: ${type ?? 'unknown type'}${edited ? ' (edited)' : ''}${energy?.value !== undefined ? `, activation energy ${formatEnergy(energy.value)}` : ''}`}
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
