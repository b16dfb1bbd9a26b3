// The open model as measured (tests only): a sensitivity table current for the studio's inputs
// and the given mixes on the frontier, as measureSensitivityNow would leave it.
import type { SensitivityTable } from '../core/dynamic/sensitivity-types.ts';
import type { MixName } from '../core/recipe/mix-names.ts';
import { currentMeasurementInputs } from './measurement-inputs.ts';
import { useStudio, type MeasuredPoint } from './store.ts';

const table = { positions: 64, tensors: [], key: { imatrix: null } } as unknown as SensitivityTable;
const point: MeasuredPoint = { fileBytes: 1, bitsPerWeight: 1, predictedKld: 0.1, measuredKld: null, sameTop: null };

export function setMeasuredTable(mixes: readonly MixName[]): void {
  useStudio.setState((s) => ({
    calibration: { ...s.calibration, dataKey: 'data' },
    dynamic: {
      ...s.dynamic, device: 'cpu', phase: 'ready', table, sequences: [[1, 2, 3]], mixes: Object.fromEntries(mixes.map((m) => [m, point])),
    },
  }));
  useStudio.setState((s) => ({ dynamic: { ...s.dynamic, inputs: currentMeasurementInputs(s) } }));
}
