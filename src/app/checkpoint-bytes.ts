// A calibration checkpoint as bytes for OPFS, in core's JSON-header-and-arrays layout (the hidden
// states, then every imatrix entry's sums). The worker's objects hold the imatrix once at the top
// and again (the same arrays) inside the forward state.
import { encodeJsonHeaderArrays, readJsonHeaderArrays } from '../core/json-header-arrays.ts';
import type { CalibrationCheckpoint } from '../workers/protocol.ts';

const MAGIC = 'qs-calibration-checkpoint';

interface Header {
  magic: string;
  version: 1;
  passStart: number;
  forward: { nextLayer: number; sequenceLengths: number[]; embedding: number; hidden: number; hasImatrix: boolean } | null;
  imatrix: { name: string; cols: number; count: number; expertCounts?: number[] }[];
}

export function encodeCalibrationCheckpoint(c: CalibrationCheckpoint): Uint8Array {
  // Inside a pass the forward's imatrix is the current one; at a pass boundary the top one is.
  const imatrix = c.forward?.imatrix ?? c.imatrix;
  const header: Header = {
    magic: MAGIC, version: 1, passStart: c.passStart,
    forward: c.forward && {
      nextLayer: c.forward.nextLayer, sequenceLengths: c.forward.sequenceLengths, embedding: c.forward.embedding,
      hidden: c.forward.hidden.length, hasImatrix: c.forward.imatrix !== null,
    },
    imatrix: imatrix.map((e) => ({ name: e.name, cols: e.sums.length, count: e.count, expertCounts: e.expertCounts })),
  };
  return encodeJsonHeaderArrays(header, [...(c.forward ? [c.forward.hidden] : []), ...imatrix.map((e) => e.sums)]);
}

export function decodeCalibrationCheckpoint(bytes: Uint8Array, what = 'calibration checkpoint'): CalibrationCheckpoint {
  const reader = readJsonHeaderArrays(bytes, what);
  const h = reader.header as Header;
  if (h.magic !== MAGIC || h.version !== 1) throw new Error(`${what}: not a version 1 calibration checkpoint`);
  const hidden = h.forward ? reader.take(h.forward.hidden, 'hidden') : null;
  const imatrix = h.imatrix.map((e) => ({ name: e.name, sums: reader.take(e.cols, e.name), count: e.count, ...(e.expertCounts ? { expertCounts: e.expertCounts } : {}) }));
  reader.expectEnd();
  return {
    version: 1, passStart: h.passStart, imatrix,
    forward: h.forward && hidden && {
      version: 1, nextLayer: h.forward.nextLayer, sequenceLengths: h.forward.sequenceLengths, embedding: h.forward.embedding,
      hidden, imatrix: h.forward.hasImatrix ? imatrix : null,
    },
  };
}
