// The byte layout of the checkpoints kept in OPFS (the GPU forward's and the calibration's):
// u32 little-endian header length, a JSON header, zero padding to a multiple of 4 bytes, then
// float32 arrays back to back. The header says how long each array is; the reader takes them in
// the order they were written. Kept in core so that app/ and gpu/, which may not import each
// other, write and read the one layout.

/** Bytes of `header` as JSON followed by `arrays`. */
export function encodeJsonHeaderArrays(header: unknown, arrays: readonly Float32Array[]): Uint8Array {
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const start = arraysStart(headerBytes.length);
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

/** The parsed header, and the arrays after it one at a time. */
export interface JsonHeaderArraysReader {
  readonly header: unknown;
  /** The next `n` floats (a copy); throws, naming `field`, when they run past the end. */
  take(n: number, field: string): Float32Array;
  /** Throws when bytes are left after the arrays taken so far. */
  expectEnd(): void;
}

/** Reads the layout back; errors start with `what` (the checkpoint as the user knows it). */
export function readJsonHeaderArrays(bytes: Uint8Array, what: string): JsonHeaderArraysReader {
  if (bytes.length < 4) throw new Error(`${what}: too short`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (4 + headerLength > bytes.length) throw new Error(`${what}: header of ${headerLength} bytes runs past the end`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength)));
  } catch {
    throw new Error(`${what}: the header is not JSON`);
  }
  let at = arraysStart(headerLength);
  return {
    header,
    take(n, field) {
      if (at + n * 4 > bytes.length) throw new Error(`${what}: ${field} runs past the end`);
      const a = new Float32Array(bytes.slice(at, at + n * 4).buffer);
      at += n * 4;
      return a;
    },
    expectEnd() {
      if (at !== bytes.length) throw new Error(`${what}: ${bytes.length - at} bytes after the last array`);
    },
  };
}

/** The arrays start at the first multiple of 4 after the length word and the header. */
function arraysStart(headerLength: number): number {
  return Math.ceil((4 + headerLength) / 4) * 4;
}
