import { useStudio, type HeatmapColor } from '../app/store.ts';
import { rovingKeyHandler } from './roving-keys.ts';
import { energyGradient, formatEnergy, type EnergyScale } from './energy-colors.ts';

function setColorBy(mode: HeatmapColor) {
  useStudio.setState({ heatmapColor: mode });
}

const MODES: { mode: HeatmapColor; label: string; needs: 'imatrix' | 'table' | null; title: string }[] = [
  { mode: 'type', label: 'Type', needs: null, title: 'The type each tensor is written in' },
  { mode: 'energy', label: 'Activation energy', needs: 'imatrix', title: 'Mean activation energy per column, from the importance matrix' },
  { mode: 'sensitivity', label: 'Sensitivity', needs: 'table', title: 'KL divergence when only this tensor is quantized to ~4.5 bits' },
  { mode: 'error', label: 'Quant error', needs: 'table', title: 'imatrix-weighted relative error of the chosen type' },
  { mode: 'kld', label: 'Predicted KL', needs: 'table', title: 'This tensor’s share of the predicted KL divergence at the chosen type' },
];

/** The mode actually shown: a layer whose data is missing falls back to types. */
export function shownColor(mode: HeatmapColor, available: { imatrix: boolean; table: boolean }): HeatmapColor {
  const m = MODES.find((x) => x.mode === mode)!;
  return m.needs === null || available[m.needs] ? mode : 'type';
}

/** "Colour by: type | activation energy | sensitivity | quant error | predicted KL". */
export function ColorByToggle({ available }: { available: { imatrix: boolean; table: boolean } }) {
  const shown = shownColor(useStudio((s) => s.heatmapColor), available);
  return (
    <div className="color-by" role="radiogroup" aria-label="Colour by" onKeyDown={rovingKeyHandler('[role="radio"]', (i) => setColorBy(MODES[i]!.mode))}>
      <span className="field-label">Colour by</span>
      {MODES.map(({ mode, label, needs, title }) => {
        const enabled = needs === null || available[needs];
        return (
          <button
            key={mode}
            type="button"
            role="radio"
            aria-checked={shown === mode}
            // One tab stop: the chosen mode; the arrows move between them.
            tabIndex={shown === mode ? 0 : -1}
            className="segment"
            disabled={!enabled}
            title={enabled ? title : needs === 'imatrix' ? 'Needs an importance matrix: calibrate or load one' : 'Needs the sensitivity measurement (Dynamic quantization)'}
            onClick={() => setColorBy(mode)}
          >
            {label}
          </button>
        );
      })}
    </div>
  );
}

export function EnergyLegend({ scale, caption, testId = 'energy-legend' }: { scale: EnergyScale; caption: string; testId?: string }) {
  return (
    <div className="energy-legend" data-testid={testId}>
      <span className="muted">{formatEnergy(10 ** scale.low)}</span>
      <span className="energy-ramp" style={{ background: energyGradient() }} aria-hidden="true" />
      <span className="muted">{formatEnergy(10 ** scale.high)}</span>
      <span className="muted">{caption}</span>
    </div>
  );
}
