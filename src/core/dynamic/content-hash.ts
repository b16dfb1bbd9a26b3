// Content fingerprints for cache keys and recipe provenance: sha256 over what actually decides
// the result (token ids, imatrix values, tensor headers), never over file names.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { ModelPlan, TensorSource } from '../model/plan-types.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);

export function sha256Hex(data: Uint8Array | string): string {
  return bytesToHex(sha256(typeof data === 'string' ? utf8(data) : data));
}

export function hashTokenSequences(sequences: readonly (readonly number[])[]): string {
  const h = sha256.create();
  for (const seq of sequences) {
    h.update(new Uint8Array(Uint32Array.from([seq.length]).buffer));
    h.update(new Uint8Array(Uint32Array.from(seq).buffer));
  }
  return bytesToHex(h.digest());
}

/** Over names (sorted) and values of per-column importances. */
export function hashImportance(entries: ReadonlyMap<string, Float32Array>): string {
  const h = sha256.create();
  for (const name of [...entries.keys()].sort()) {
    const v = entries.get(name)!;
    h.update(utf8(`${name}:${v.length};`));
    h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
  return bytesToHex(h.digest());
}

/** Where a source's bytes are: file, offset and size of each stacked part; nothing for generated values. */
function sourceLocation(source: TensorSource): unknown[] {
  if (source.kind === 'generated') return [0, 0];
  if (source.kind === 'stacked') return [source.parts.map((p) => [p.file, p.offset, p.byteLength])];
  if (source.kind === 'mxfp4') return [[source.blocks, source.scales].map((p) => [p.file, p.offset, p.byteLength]), source.rowStep, source.rowOffset];
  return [source.offset, source.byteLength];
}

/**
 * A model's identity without reading a weight: every tensor's name, shape and source bytes'
 * location and size, plus the metadata keys. Safetensors offsets and sizes change with any re-save.
 */
export function planFingerprint(plan: ModelPlan): string {
  const tensors = plan.tensors.map((t) => [t.ggufName, t.ne, t.source.file, t.source.name, t.source.dtype, ...sourceLocation(t.source)]);
  const metadata = plan.metadata.map((kv) => [kv.key, kv.value.type === 'array' ? (kv.value.value as unknown[]).length : String(kv.value.value)]);
  return sha256Hex(JSON.stringify({ architecture: plan.architecture, tensors, metadata }));
}
