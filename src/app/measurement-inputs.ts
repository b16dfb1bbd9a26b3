// What a sensitivity measurement (and every KL measured with it: llama.cpp's mixes, the exported
// recipe) was computed from, and whether that is still what the studio has open. A result is
// shown and used only while its inputs are current: a table measured without an importance
// matrix must not pass for one measured with the matrix loaded since, nor one model's figures for
// another's. Pure functions of the store's state, so they run in tests without a page.
import { ARM_CANDIDATES, DEFAULT_CANDIDATES, EVERY_SIZE_CANDIDATES } from '../core/dynamic/candidate-types.ts';
import type { SensitivityTable } from '../core/dynamic/sensitivity-types.ts';
import type { GgmlTypeName } from '../core/ggml-type.ts';
import { modelIdentity } from './model-identity.ts';
import type { CandidateSet, KeptMeasurement, MeasurementInputs, StudioState } from './store.ts';

export type { MeasurementInputs };

type InputsState = Pick<StudioState, 'source' | 'imatrix' | 'calibration' | 'dynamic'>;

export function candidateList(set: CandidateSet): GgmlTypeName[] {
  return [...(set === 'arm' ? ARM_CANDIDATES : set === 'every-size' ? EVERY_SIZE_CANDIDATES : DEFAULT_CANDIDATES)];
}

export function calibrationIdentity(dataKey: string, contextSize: number, maxChunks: number): string {
  return `${dataKey}:${contextSize}x${maxChunks}`;
}

/** The inputs a measurement started now would use; null while one of them is still being read. */
export function currentMeasurementInputs(state: InputsState): MeasurementInputs | null {
  const model = modelIdentity(state.source);
  const { imatrix, calibration, dynamic } = state;
  if (!model || calibration.dataKey === null || imatrix.status === 'loading') return null;
  const ready = imatrix.status === 'ready' && imatrix.contentHash !== null;
  return {
    model,
    imatrix: ready ? imatrix.contentHash : null,
    imatrixName: ready ? imatrix.name : null,
    calibration: calibrationIdentity(calibration.dataKey, calibration.contextSize, calibration.maxChunks),
    candidates: candidateList(dynamic.candidates),
    measure: dynamic.measure,
    chunks: dynamic.chunks,
  };
}

/** The cache key of a measurement: everything that decides its figures (the imatrix by content). */
export function inputsKey(inputs: MeasurementInputs): string {
  return JSON.stringify([inputs.model, inputs.imatrix, inputs.calibration, [...inputs.candidates].sort(), inputs.measure, inputs.chunks]);
}

const shortHash = (hash: string) => `sha256 ${hash.slice(0, 12)}…`;

export function describeImatrix(hash: string | null, name: string | null): string {
  return hash === null ? 'no importance matrix' : `importance matrix ${name ?? ''} (${shortHash(hash)})`.replace('  ', ' ');
}

/** Why a result measured with `result` does not answer `current`, one clause each; empty: it does. */
export function staleReasons(result: MeasurementInputs, current: MeasurementInputs | null): string[] {
  if (!current) return ['while the studio\'s inputs are still being read'];
  const reasons: string[] = [];
  if (result.model !== current.model) reasons.push('on another model');
  if (result.imatrix !== current.imatrix) {
    const then = describeImatrix(result.imatrix, result.imatrixName);
    if (current.imatrix === null) reasons.push(`with ${then}, which is no longer loaded`);
    else if (result.imatrix === null) reasons.push(`without an importance matrix; ${current.imatrixName ?? 'one'} is loaded now`);
    else reasons.push(`with ${then}, not the one loaded now (${shortHash(current.imatrix)})`);
  }
  if (result.calibration !== current.calibration) reasons.push('on other calibration data or settings');
  if (inputsKey({ ...result, model: '', imatrix: null, calibration: '' }) !== inputsKey({ ...current, model: '', imatrix: null, calibration: '' })) {
    reasons.push('for other candidate types or held-out chunks');
  }
  return reasons;
}

export function isCurrent(result: MeasurementInputs | null, current: MeasurementInputs | null): boolean {
  return result !== null && staleReasons(result, current).length === 0;
}

/** The sensitivity table if it answers the studio's current inputs, else null (never shown, never used). */
export function currentTable(state: InputsState): SensitivityTable | null {
  const { table, inputs } = state.dynamic;
  return table && isCurrent(inputs, currentMeasurementInputs(state)) ? table : null;
}

/** What OPFS keeps beside a measurement (kept-measurement.ts): enough to offer it and to put its inputs back. */
export type KeptMeasurementMeta = Omit<KeptMeasurement, 'key' | 'savedAt'> & { version: 1 };

export function keptMeasurementMeta(
  s: Pick<StudioState, 'calibration' | 'dynamic'>, inputs: MeasurementInputs, table: { tensors: readonly unknown[]; positions: number },
): KeptMeasurementMeta {
  const { calibration: c, dynamic: d } = s;
  return {
    version: 1, inputs, candidates: d.candidates, useDefaultSet: c.useDefaultSet, userFiles: c.userFiles,
    contextSize: c.contextSize, maxChunks: c.maxChunks, tensors: table.tensors.length, positions: table.positions,
  };
}
