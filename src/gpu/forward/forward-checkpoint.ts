// The state of a layer-streamed forward between two layers: enough to resume after a lost
// device or a closed tab. Plain data (typed arrays, numbers, arrays) so it survives
// structuredClone / postMessage; encodeForwardCheckpoint gives bytes for OPFS.
import type { ImatrixEntry } from '../../core/imatrix/imatrix-stats.ts';
import { encodeJsonHeaderArrays, readJsonHeaderArrays } from '../../core/json-header-arrays.ts';

/** One imatrix entry so far, by name. */
export type ImatrixPartial = ImatrixEntry & { name: string };

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

/** Bytes in core's JSON-header-and-arrays layout: the hidden states, then every imatrix entry's sums. */
export function encodeForwardCheckpoint(c: GpuForwardCheckpoint): Uint8Array {
  const header = {
    magic: MAGIC, version: c.version, nextLayer: c.nextLayer, sequenceLengths: c.sequenceLengths, embedding: c.embedding,
    hidden: c.hidden.length, imatrix: c.imatrix?.map((e) => ({ name: e.name, cols: e.sums.length, count: e.count, expertCounts: e.expertCounts })) ?? null,
  };
  return encodeJsonHeaderArrays(header, [c.hidden, ...(c.imatrix ?? []).map((e) => e.sums)]);
}

export function decodeForwardCheckpoint(bytes: Uint8Array, what = 'forward checkpoint'): GpuForwardCheckpoint {
  const reader = readJsonHeaderArrays(bytes, what);
  const h = reader.header as {
    magic: string; version: number; nextLayer: number; sequenceLengths: number[]; embedding: number; hidden: number;
    imatrix: { name: string; cols: number; count: number; expertCounts?: number[] }[] | null;
  };
  if (h.magic !== MAGIC || h.version !== 1) throw new Error(`${what}: not a version 1 forward checkpoint`);
  const hidden = reader.take(h.hidden, 'hidden');
  const imatrix = h.imatrix?.map((e) => ({ name: e.name, sums: reader.take(e.cols, e.name), count: e.count, ...(e.expertCounts ? { expertCounts: e.expertCounts } : {}) })) ?? null;
  return { version: 1, nextLayer: h.nextLayer, sequenceLengths: h.sequenceLengths, embedding: h.embedding, hidden, imatrix };
}
