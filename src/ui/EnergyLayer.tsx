import { useStudio } from '../app/store.ts';
import { energyGradient, formatEnergy, type EnergyScale } from './energy-colors.ts';

function setColorBy(mode: 'type' | 'energy') {
  useStudio.setState({ heatmapColor: mode });
}

/** "Colour by: type | activation energy"; energy needs an importance matrix. */
export function ColorByToggle({ available }: { available: boolean }) {
  const mode = useStudio((s) => s.heatmapColor);
  const shown = available ? mode : 'type';
  return (
    <div className="color-by" role="radiogroup" aria-label="Colour by">
      <span className="field-label">Colour by</span>
      <button type="button" role="radio" aria-checked={shown === 'type'} className="segment" onClick={() => setColorBy('type')}>
        Type
      </button>
      <button
        type="button"
        role="radio"
        aria-checked={shown === 'energy'}
        className="segment"
        disabled={!available}
        title={available ? 'Mean activation energy per column, from the importance matrix' : 'Needs an importance matrix: calibrate or load one'}
        onClick={() => setColorBy('energy')}
      >
        Activation energy
      </button>
    </div>
  );
}

export function EnergyLegend({ scale }: { scale: EnergyScale }) {
  return (
    <div className="energy-legend" data-testid="energy-legend">
      <span className="muted">{formatEnergy(10 ** scale.low)}</span>
      <span className="energy-ramp" style={{ background: energyGradient() }} aria-hidden="true" />
      <span className="muted">{formatEnergy(10 ** scale.high)}</span>
      <span className="muted">mean activation energy per column (log scale); grey: not in the imatrix</span>
    </div>
  );
}
