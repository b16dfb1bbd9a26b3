// The sensitivity table: per quantizable tensor and candidate type, what the type costs in bytes
// and in accuracy. Plain JSON, so the studio caches it (keyed by model, calibration set and
// imatrix) and re-plans after every edit without measuring again.
import type { GgmlTypeName } from '../ggml-type.ts';
import type { TensorRole } from '../model/plan-types.ts';

/** How a candidate's KL figure was obtained. */
export type CostBasis = 'measured' | 'fitted' | 'prior';

export interface CandidateCost {
  type: GgmlTypeName;
  /** The tensor's data bytes in this type (unpadded). */
  bytes: number;
  /** Σ imp·(w-ŵ)² / Σ imp·w² with the imatrix (uniform weights where it has no entry). */
  weightedError: number;
  /** KL(base ‖ model with only this tensor quantized), nats per scored position, when measured. */
  measuredKld?: number;
  /** The cost the allocator adds up: measured, fitted from this tensor's measurements, or a prior. */
  kld: number;
  basis: CostBasis;
}

export interface TensorSensitivity {
  name: string;
  role: TensorRole;
  layer: number | null;
  ne: number[];
  /** Smallest type first. */
  candidates: CandidateCost[];
}

/** What a table was measured on; a different key means the table must be measured again. */
export interface SensitivityKey {
  /** Model identity: "owner/repo@revision", or a fingerprint of the folder's headers. */
  model: string;
  /** sha256 of the token sequences the KL was measured on (null when nothing was measured). */
  calibration: string | null;
  /** sha256 of the importance matrix (null without one). */
  imatrix: string | null;
  candidates: GgmlTypeName[];
  measure: MeasureMode;
}

/** 'all': KL for every candidate; 'probe': KL for two types per tensor, the rest fitted; 'none': priors only. */
export type MeasureMode = 'all' | 'probe' | 'none';

export interface SensitivityTable {
  format: 'quant-studio-sensitivity';
  version: 1;
  key: SensitivityKey;
  /** Positions the KL was averaged over. */
  positions: number;
  tensors: TensorSensitivity[];
}

export function sensitivityCacheKey(key: SensitivityKey): string {
  return JSON.stringify([key.model, key.calibration, key.imatrix, [...key.candidates].sort(), key.measure]);
}

export function parseSensitivityTable(json: string, what = 'sensitivity table'): SensitivityTable {
  const t = JSON.parse(json) as SensitivityTable;
  if (t?.format !== 'quant-studio-sensitivity' || t.version !== 1 || !Array.isArray(t.tensors)) {
    throw new Error(`${what}: not a quant-studio sensitivity table (format/version)`);
  }
  return t;
}
