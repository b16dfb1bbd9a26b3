// In-memory ByteSource / ModelFiles for tests that build their inputs byte by byte.
import type { ByteSource, ModelFiles } from '../../src/core/bytes-io.ts';

export function memorySource(name: string, bytes: Uint8Array): ByteSource {
  return {
    name,
    size: bytes.byteLength,
    async read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > bytes.byteLength) throw new Error(`${name}: read past end`);
      return bytes.slice(offset, offset + length);
    },
  };
}

export function memoryModelFiles(label: string, files: Record<string, Uint8Array | string | object>): ModelFiles {
  const sources = new Map<string, ByteSource>();
  for (const [name, content] of Object.entries(files)) {
    const bytes = content instanceof Uint8Array ? content
      : new TextEncoder().encode(typeof content === 'string' ? content : JSON.stringify(content));
    sources.set(name, memorySource(name, bytes));
  }
  return { label, names: () => [...sources.keys()].sort(), open: (n) => sources.get(n) };
}

/** A safetensors file from a header object and a data area (header written verbatim). */
export function safetensorsBytes(header: object, data: Uint8Array | number, headerLengthOverride?: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLengthOverride ?? json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}
