// Writes a safetensors file as a stream: the header, then each tensor's bytes as its producer hands
// them over, so a file of gigabytes needs only the producer's few buffers. One write is in flight
// while the next chunk is produced (the disk and the generator overlap): a producer may reuse a
// buffer from the chunk before the previous one, never the previous one itself.
// Without producers the data is left as a sparse hole (ftruncate): every header and size is real,
// every weight is zero, and nothing is written — for checks that read only headers.
import { open } from 'node:fs/promises';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'U8';

export interface SafetensorsTensor {
  name: string;
  shape: number[];
  dtype: SafetensorsDtype;
}

const BYTES_PER: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2, U8: 1 };

export function tensorByteLength(t: SafetensorsTensor): number {
  return t.shape.reduce((a, b) => a * b, 1) * BYTES_PER[t.dtype];
}

export interface SafetensorsLayout {
  /** The 8-byte length and the JSON header, padded with spaces to a multiple of 8 (as safetensors writes it). */
  header: Uint8Array;
  dataBytes: number;
}

/** The header for `tensors` laid out back to back in the given order; `metadata` becomes "__metadata__", first. */
export function safetensorsLayout(tensors: readonly SafetensorsTensor[], metadata?: Record<string, string>): SafetensorsLayout {
  const entries: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const t of tensors) {
    const n = tensorByteLength(t);
    entries[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + n] };
    offset += n;
  }
  let json = JSON.stringify(entries);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const text = new TextEncoder().encode(json);
  const header = new Uint8Array(8 + text.length);
  new DataView(header.buffer).setBigUint64(0, BigInt(text.length), true);
  header.set(text, 8);
  return { header, dataBytes: offset };
}

/** A tensor's bytes, in order, in chunks of any size. */
export type TensorChunks = (tensor: SafetensorsTensor, index: number) => Iterable<Uint8Array>;

export interface WriteSafetensorsOptions {
  metadata?: Record<string, string>;
  /** Absent: a sparse file of the full size. */
  chunks?: TensorChunks;
}

/** Writes the file; returns its size in bytes. */
export async function writeSafetensors(file: string, tensors: readonly SafetensorsTensor[], options: WriteSafetensorsOptions = {}): Promise<number> {
  const { header, dataBytes } = safetensorsLayout(tensors, options.metadata);
  const total = header.length + dataBytes;
  const handle = await open(file, 'w');
  let inFlight: Promise<unknown> = Promise.resolve();
  try {
    await handle.write(header);
    if (!options.chunks) {
      await handle.truncate(total);
      return total;
    }
    let position = header.length;
    for (const [i, t] of tensors.entries()) {
      const expected = tensorByteLength(t);
      let written = 0;
      for (const chunk of options.chunks(t, i)) {
        written += chunk.length;
        if (written > expected) throw new Error(`${file}: the producer gave more than ${expected} bytes for ${t.name}`);
        await inFlight;
        inFlight = handle.write(chunk, 0, chunk.length, position);
        position += chunk.length;
      }
      if (written !== expected) throw new Error(`${file}: the producer gave ${written} of ${expected} bytes for ${t.name}`);
    }
    await inFlight;
    return total;
  } finally {
    await inFlight.catch(() => undefined);
    await handle.close();
  }
}
