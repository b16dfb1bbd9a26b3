import type { PlannedTensor } from '../core/model/plan-types.ts';
import { useStudio } from '../app/store.ts';
import type { HeatmapColor } from '../app/store.ts';
import { formatEnergy } from './energy-colors.ts';
import { TYPE_COLORS, type TypeColor } from './type-colors.ts';

/** Tensors a colour layer has no number for (the imatrix skips embeddings; norms are never measured). */
const NO_ENERGY: TypeColor = { fill: '#1f2937', ink: '#8b98a9' };

const LAYER_NAMES: Record<HeatmapColor, string> = {
  type: 'type', energy: 'activation energy', sensitivity: 'sensitivity', error: 'quantization error', kld: 'predicted KL',
};

interface Props {
  tensor: PlannedTensor;
  /** Set when the heatmap is coloured by a measurement (activation energy, sensitivity, …). */
  layer?: { mode: HeatmapColor; value: number | undefined; color: TypeColor | null };
  menuOpen: boolean;
  onOpen: (rect: DOMRect) => void;
  onHover: (rect: DOMRect | null) => void;
  /** -1 for the grid's cells but its one tab stop (the arrows move the focus). */
  tabIndex: number;
  onFocusCell: () => void;
}

export function HeatmapCell({ tensor, layer, menuOpen, onOpen, onHover, tabIndex, onFocusCell }: Props) {
  const name = tensor.ggufName;
  const type = useStudio((s) => s.recipe.types?.get(name) ?? null);
  const edited = useStudio((s) => name in s.recipe.overrides);
  const color = layer ? layer.color ?? NO_ENERGY : type ? TYPE_COLORS[type] : null;
  const layerText = layer?.value === undefined ? '' : `, ${LAYER_NAMES[layer.mode]} ${formatEnergy(layer.value)}`;
  return (
    <button
      type="button"
      className={`cell${edited ? ' cell-edited' : ''}${tensor.quantizable ? '' : ' cell-fixed'}`}
      data-tensor={name}
      data-type={type ?? ''}
      data-energy={layer?.mode === 'energy' ? layer.value : undefined}
      data-layer-value={layer && layer.mode !== 'energy' ? layer.value : undefined}
      aria-label={`${name}: ${type ?? 'unknown type'}${edited ? ' (edited)' : ''}${layerText}`}
      aria-haspopup="menu"
      aria-expanded={menuOpen}
      style={color ? { background: color.fill, color: color.ink } : undefined}
      onClick={(e) => onOpen(e.currentTarget.getBoundingClientRect())}
      onMouseEnter={(e) => onHover(e.currentTarget.getBoundingClientRect())}
      onMouseLeave={() => onHover(null)}
      tabIndex={tabIndex}
      onFocus={(e) => {
        onFocusCell();
        onHover(e.currentTarget.getBoundingClientRect());
      }}
      onBlur={() => onHover(null)}
    >
      {type ?? '?'}
      {edited && <span className="cell-lock" aria-hidden="true" title="Set by hand: the mix and the dynamic recipe leave it as it is">🔒</span>}
    </button>
  );
}
