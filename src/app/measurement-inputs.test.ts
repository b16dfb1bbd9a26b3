// A result is current only while every input it was computed from is the studio's now: the model,
// the imatrix by content (not by name), the calibration data and how it is cut, the types.
import { describe, expect, it } from 'vitest';
import type { SensitivityTable } from '../core/dynamic/sensitivity-types.ts';
import type { ModelPlan } from '../core/model/plan-types.ts';
import {
  calibrationIdentity, currentMeasurementInputs, currentTable, inputsKey, isCurrent, staleReasons, type MeasurementInputs,
} from './measurement-inputs.ts';
import { initialCalibration, initialDynamic, initialImatrix, initialSource, type StudioState } from './store.ts';

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);
const plan = { tensors: [], metadata: [], architecture: 'llama' } as unknown as ModelPlan;
const table = { positions: 64, tensors: [] } as unknown as SensitivityTable;

function state(patch: { imatrix?: Partial<StudioState['imatrix']>; calibration?: Partial<StudioState['calibration']>; dynamic?: Partial<StudioState['dynamic']>; commit?: string } = {}) {
  return {
    source: { ...initialSource, status: 'ready' as const, kind: 'hub' as const, plan, pin: { repo: 'o/m', commit: patch.commit ?? 'c1', endpoint: 'https://hf.co' }, identity: `hub:o/m@${patch.commit ?? 'c1'}` },
    imatrix: { ...initialImatrix, status: 'ready' as const, name: 'im.gguf', contentHash: HASH_A, ...patch.imatrix },
    calibration: { ...initialCalibration, dataKey: 'data1', ...patch.calibration },
    dynamic: { ...initialDynamic, ...patch.dynamic },
  } as Pick<StudioState, 'source' | 'imatrix' | 'calibration' | 'dynamic'>;
}

const measuredNow = (s: ReturnType<typeof state>) => currentMeasurementInputs(s)!;

describe('currentMeasurementInputs', () => {
  it('names the model by its identity, the imatrix by its content hash and the data by its key and cut', () => {
    const inputs = measuredNow(state());
    expect(inputs).toMatchObject({ model: 'hub:o/m@c1', imatrix: HASH_A, imatrixName: 'im.gguf', calibration: calibrationIdentity('data1', 512, 32) });
    expect(inputs.candidates.length).toBeGreaterThan(0);
  });

  it('is unknown while the calibration data or an imatrix is still being read, or no model is open', () => {
    expect(currentMeasurementInputs(state({ calibration: { dataKey: null } }))).toBeNull();
    expect(currentMeasurementInputs(state({ imatrix: { status: 'loading' } }))).toBeNull();
    expect(currentMeasurementInputs({ ...state(), source: initialSource })).toBeNull();
  });
});

describe('staleReasons / isCurrent', () => {
  const result: MeasurementInputs = measuredNow(state());

  it('a result is current for the inputs it was measured with', () => {
    expect(staleReasons(result, measuredNow(state()))).toEqual([]);
    expect(isCurrent(result, measuredNow(state()))).toBe(true);
  });

  it('another imatrix of the same file name is another input', () => {
    const reasons = staleReasons(result, measuredNow(state({ imatrix: { contentHash: HASH_B } })));
    expect(reasons).toEqual([`with importance matrix im.gguf (sha256 ${HASH_A.slice(0, 12)}…), not the one loaded now (sha256 ${HASH_B.slice(0, 12)}…)`]);
  });

  it('a measurement made before the calibration finished is not the calibrated imatrix\'s', () => {
    const without = measuredNow(state({ imatrix: { ...initialImatrix } }));
    expect(without.imatrix).toBeNull();
    expect(staleReasons(without, measuredNow(state()))).toEqual(['without an importance matrix; im.gguf is loaded now']);
    expect(staleReasons(result, without)).toEqual([`with importance matrix im.gguf (sha256 ${HASH_A.slice(0, 12)}…), which is no longer loaded`]);
  });

  it('another model, other data, other settings each make it stale, all said', () => {
    const other = measuredNow(state({ commit: 'c2', calibration: { dataKey: 'data2' }, dynamic: { chunks: 8 } }));
    expect(staleReasons(result, other)).toEqual([
      'on another model', 'on other calibration data or settings', 'for other candidate types or held-out chunks',
    ]);
    expect(staleReasons(result, measuredNow(state({ calibration: { maxChunks: 64 } })))).toEqual(['on other calibration data or settings']);
    expect(isCurrent(result, null)).toBe(false);
    expect(isCurrent(null, measuredNow(state()))).toBe(false);
  });
});

describe('inputsKey (the sensitivity cache key)', () => {
  it('follows the imatrix content, not its name', () => {
    const a = measuredNow(state());
    expect(inputsKey({ ...a, imatrixName: 'renamed.gguf' })).toBe(inputsKey(a));
    expect(inputsKey({ ...a, imatrix: HASH_B })).not.toBe(inputsKey(a));
    expect(inputsKey({ ...a, candidates: [...a.candidates].reverse() })).toBe(inputsKey(a));
  });
});

describe('currentTable', () => {
  it('hands out the table only while its inputs are current', () => {
    const inputs = measuredNow(state());
    expect(currentTable(state({ dynamic: { table, inputs } }))).toBe(table);
    expect(currentTable(state({ dynamic: { table, inputs }, imatrix: { contentHash: HASH_B } }))).toBeNull();
    expect(currentTable(state({ dynamic: { table, inputs }, commit: 'c2' }))).toBeNull();
    expect(currentTable(state({ dynamic: { table, inputs: null } }))).toBeNull();
  });
});
