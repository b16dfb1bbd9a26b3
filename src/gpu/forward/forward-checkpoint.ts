// The state of a layer-streamed forward between two layers: enough to resume after a lost
// device or a closed tab. Plain data (typed arrays, numbers, arrays) so it survives
// structuredClone / postMessage; encodeForwardCheckpoint gives bytes for OPFS.

export interface ImatrixPartial {
  name: string;
  sums: Float32Array;
  count: number;
}

export interface GpuForwardCheckpoint {
  version: 1;
  /** Layers 0 .. nextLayer-1 are done; `hidden` is the input of layer nextLayer. */
  nextLayer: number;
  /** Token count of each sequence of the pass (a resume must be given the same sequences). */
  sequenceLengths: number[];
  embedding: number;
  /** rows × embedding, the residual stream of every token of every sequence. */
  hidden: Float32Array;
  /** Σx² and counts of every imatrix entry so far (null when the pass collects none). */
  imatrix: ImatrixPartial[] | null;
}

const MAGIC = 'qs-forward-checkpoint';

/** Bytes: u32 header length, JSON header, then the float arrays back to back (4-byte aligned). */
export function encodeForwardCheckpoint(c: GpuForwardCheckpoint): Uint8Array {
  const arrays = [c.hidden, ...(c.imatrix ?? []).map((e) => e.sums)];
  const header = JSON.stringify({
    magic: MAGIC, version: c.version, nextLayer: c.nextLayer, sequenceLengths: c.sequenceLengths, embedding: c.embedding,
    hidden: c.hidden.length, imatrix: c.imatrix?.map((e) => ({ name: e.name, cols: e.sums.length, count: e.count })) ?? null,
  });
  const headerBytes = new TextEncoder().encode(header);
  const headerPadded = Math.ceil((4 + headerBytes.length) / 4) * 4;
  const total = headerPadded + arrays.reduce((n, a) => n + a.byteLength, 0);
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, headerBytes.length, true);
  out.set(headerBytes, 4);
  let at = headerPadded;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return out;
}

export function decodeForwardCheckpoint(bytes: Uint8Array, what = 'forward checkpoint'): GpuForwardCheckpoint {
  if (bytes.length < 4) throw new Error(`${what}: too short`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  if (4 + headerLength > bytes.length) throw new Error(`${what}: header of ${headerLength} bytes runs past the end`);
  const h = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))) as {
    magic: string; version: number; nextLayer: number; sequenceLengths: number[]; embedding: number; hidden: number;
    imatrix: { name: string; cols: number; count: number }[] | null;
  };
  if (h.magic !== MAGIC || h.version !== 1) throw new Error(`${what}: not a version 1 forward checkpoint`);
  let at = Math.ceil((4 + headerLength) / 4) * 4;
  const take = (n: number, field: string): Float32Array => {
    if (at + n * 4 > bytes.length) throw new Error(`${what}: ${field} runs past the end`);
    const a = new Float32Array(bytes.slice(at, at + n * 4).buffer);
    at += n * 4;
    return a;
  };
  const hidden = take(h.hidden, 'hidden');
  const imatrix = h.imatrix?.map((e) => ({ name: e.name, sums: take(e.cols, e.name), count: e.count })) ?? null;
  return { version: 1, nextLayer: h.nextLayer, sequenceLengths: h.sequenceLengths, embedding: h.embedding, hidden, imatrix };
}
