// The sensitivity table: per quantizable tensor and candidate type, what the type costs in bytes
// and in accuracy. Plain JSON, so the studio caches it (keyed by model, calibration set and
// imatrix) and re-plans after every edit without measuring again.
import { GGML_TYPE_NAMES, rowFitsBlocks, type GgmlTypeName } from '../ggml-type.ts';
import { JsonFields } from '../json-input.ts';
import type { ModelPlan, TensorRole } from '../model/plan-types.ts';

/**
 * How a candidate's KL figure was obtained: measured at the output, estimated from the change of
 * its own layer's output (measure mode 'layer'), fitted from this tensor's figures, or a prior.
 */
export type CostBasis = 'measured' | 'estimated' | 'fitted' | 'prior';

export interface CandidateCost {
  type: GgmlTypeName;
  /** The tensor's data bytes in this type (unpadded). */
  bytes: number;
  /** Σ imp·(w-ŵ)² / Σ imp·w² with the imatrix (uniform weights where it has no entry). */
  weightedError: number;
  /** KL(base ‖ model with only this tensor quantized), nats per scored position, when measured. */
  measuredKld?: number;
  /**
   * The same KL estimated without replaying the later layers (measure mode 'layer'): the output
   * head applied to this tensor's layer's output, scaled by its layer's ratio of true to direct
   * KL, which one replayed measurement per layer calibrates.
   */
  estimatedKld?: number;
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

/**
 * 'all': KL for every candidate; 'probe': KL for two types per tensor, the rest fitted; 'layer':
 * one type per tensor, its KL estimated from its own layer's output read by the output head and
 * one calibrating measurement per layer (several times faster than 'probe'), the rest fitted;
 * 'none': priors only.
 */
export type MeasureMode = 'all' | 'probe' | 'layer' | 'none';

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

/** More tensors, or candidate types, than any table of a real model holds. */
export const MAX_SENSITIVITY_TENSORS = 100_000;
const MEASURE_MODES: readonly MeasureMode[] = ['all', 'probe', 'layer', 'none'];
const COST_BASES: readonly CostBasis[] = ['measured', 'estimated', 'fitted', 'prior'];

function parseCandidate(value: unknown, where: string): CandidateCost {
  const c = JsonFields.of(value, where);
  const type = c.oneOf<GgmlTypeName>('type', GGML_TYPE_NAMES, 'a ggml type name');
  const measuredKld = c.optionalNumber('measuredKld');
  const estimatedKld = c.optionalNumber('estimatedKld');
  return {
    type, bytes: c.integer('bytes', 0, Number.MAX_SAFE_INTEGER), weightedError: c.number('weightedError', 0),
    ...(measuredKld !== null ? { measuredKld } : {}), ...(estimatedKld !== null ? { estimatedKld } : {}),
    kld: c.number('kld', 0), basis: c.oneOf<CostBasis>('basis', COST_BASES, 'measured, estimated, fitted or prior'),
  };
}

function parseTensor(value: unknown, where: string): TensorSensitivity {
  const t = JsonFields.of(value, where);
  const name = t.string('name', 256);
  const at = JsonFields.of(value, `${where} ("${name}")`);
  const ne = at.array('ne', 4);
  if (ne.length === 0 || !ne.every((n) => Number.isSafeInteger(n) && (n as number) > 0)) at.fail('ne', 'one to four positive integers');
  return {
    name, role: at.string('role', 64) as TensorRole, layer: at.has('layer') ? at.integer('layer', 0, 1_000_000) : null, ne: ne as number[],
    candidates: at.array('candidates', GGML_TYPE_NAMES.length).map((c, i) => parseCandidate(c, `${where} ("${name}"): candidates[${i}]`)),
  };
}

function parseKey(value: unknown, where: string): SensitivityKey {
  const k = JsonFields.of(value, where);
  const candidates = k.array('candidates', GGML_TYPE_NAMES.length);
  if (!candidates.every((c) => typeof c === 'string' && (GGML_TYPE_NAMES as readonly string[]).includes(c))) k.fail('candidates', 'a list of ggml type names');
  return {
    model: k.string('model'), calibration: k.optionalString('calibration'), imatrix: k.optionalString('imatrix'),
    candidates: candidates as GgmlTypeName[], measure: k.oneOf<MeasureMode>('measure', MEASURE_MODES, 'all, probe or none'),
  };
}

/** A sensitivity table file (a cache the CLI and the studio write), every field checked. */
export function parseSensitivityTable(json: string, what = 'sensitivity table'): SensitivityTable {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    throw new Error(`${what}: not JSON (${(e as Error).message})`);
  }
  const t = JsonFields.of(value, what);
  if (t.record.format !== 'quant-studio-sensitivity' || t.record.version !== 1) throw new Error(`${what}: not a quant-studio sensitivity table (format/version)`);
  return {
    format: 'quant-studio-sensitivity', version: 1,
    key: parseKey(t.record.key, `${what}: "key"`),
    positions: t.integer('positions', 0, Number.MAX_SAFE_INTEGER),
    tensors: t.array('tensors', MAX_SENSITIVITY_TENSORS).map((x, i) => parseTensor(x, `${what}: tensors[${i}]`)),
  };
}

/**
 * A table checked against the model it is used for: each tensor the model quantizes and any of the
 * key's candidates fits is listed once, with the model's shape, and only types that fit its rows.
 */
export function checkTableFitsPlan(table: SensitivityTable, plan: ModelPlan, what = 'sensitivity table'): void {
  const planned = new Map(plan.tensors.filter((t) => t.quantizable).map((t) => [t.ggufName, t]));
  const seen = new Set<string>();
  for (const s of table.tensors) {
    const t = planned.get(s.name);
    if (!t) throw new Error(`${what}: tensor "${s.name}" is not a quantized tensor of this model (made for another model?)`);
    if (seen.has(s.name)) throw new Error(`${what}: tensor "${s.name}" is listed twice`);
    seen.add(s.name);
    if (s.candidates.length === 0) throw new Error(`${what}: tensor "${s.name}" has no candidate types`);
    if (s.ne.join() !== t.ne.join()) throw new Error(`${what}: tensor "${s.name}" has shape [${s.ne}], the model's is [${t.ne}]`);
    for (const c of s.candidates) {
      if (!rowFitsBlocks(c.type, t.ne[0]!)) throw new Error(`${what}: tensor "${s.name}": ${c.type} blocks do not fit rows of ${t.ne[0]}`);
    }
  }
  for (const t of planned.values()) {
    if (!seen.has(t.ggufName) && table.key.candidates.some((c) => rowFitsBlocks(c, t.ne[0]!))) {
      throw new Error(`${what}: the model's tensor "${t.ggufName}" is missing`);
    }
  }
}
