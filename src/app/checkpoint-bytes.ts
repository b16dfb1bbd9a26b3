// A calibration checkpoint as bytes for OPFS: u32 header length, a JSON header, then the float
// arrays back to back (the hidden states, then every imatrix entry's sums). The worker's objects
// hold the imatrix once at the top and again (the same arrays) inside the forward state.
import type { CalibrationCheckpoint } from '../workers/protocol.ts';

const MAGIC = 'qs-calibration-checkpoint';

interface Header {
  magic: string;
  version: 1;
  passStart: number;
  forward: { nextLayer: number; sequenceLengths: number[]; embedding: number; hidden: number; hasImatrix: boolean } | null;
  imatrix: { name: string; cols: number; count: number }[];
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
    imatrix: imatrix.map((e) => ({ name: e.name, cols: e.sums.length, count: e.count })),
  };
  const arrays = [...(c.forward ? [c.forward.hidden] : []), ...imatrix.map((e) => e.sums)];
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const start = Math.ceil((4 + headerBytes.length) / 4) * 4;
  const out = new Uint8Array(start + arrays.reduce((n, a) => n + a.byteLength, 0));
  new DataView(out.buffer).setUint32(0, headerBytes.length, true);
  out.set(headerBytes, 4);
  let at = start;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return out;
}

export function decodeCalibrationCheckpoint(bytes: Uint8Array, what = 'calibration checkpoint'): CalibrationCheckpoint {
  if (bytes.length < 4) throw new Error(`${what}: too short`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (4 + headerLength > bytes.length) throw new Error(`${what}: header of ${headerLength} bytes runs past the end`);
  let h: Header;
  try {
    h = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))) as Header;
  } catch {
    throw new Error(`${what}: the header is not JSON`);
  }
  if (h.magic !== MAGIC || h.version !== 1) throw new Error(`${what}: not a version 1 calibration checkpoint`);
  let at = Math.ceil((4 + headerLength) / 4) * 4;
  const take = (n: number, field: string): Float32Array => {
    if (at + n * 4 > bytes.length) throw new Error(`${what}: ${field} runs past the end`);
    const a = new Float32Array(bytes.slice(at, at + n * 4).buffer);
    at += n * 4;
    return a;
  };
  const hidden = h.forward ? take(h.forward.hidden, 'hidden') : null;
  const imatrix = h.imatrix.map((e) => ({ name: e.name, sums: take(e.cols, e.name), count: e.count }));
  if (at !== bytes.length) throw new Error(`${what}: ${bytes.length - at} bytes after the last array`);
  return {
    version: 1, passStart: h.passStart, imatrix,
    forward: h.forward && hidden && {
      version: 1, nextLayer: h.forward.nextLayer, sequenceLengths: h.forward.sequenceLengths, embedding: h.forward.embedding,
      hidden, imatrix: h.forward.hasImatrix ? imatrix : null,
    },
  };
}
