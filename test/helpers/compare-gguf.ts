// Byte comparison of two GGUF files that says where they differ: header, which tensor, which row.
import { readFile } from 'node:fs/promises';
import { gguf } from '@huggingface/gguf';
import { GGML_TYPES, ggmlTypeById } from '../../src/core/ggml-type.ts';

export async function describeGgufDifference(oursPath: string, theirsPath: string): Promise<string | null> {
  const [ours, theirs] = await Promise.all([readFile(oursPath), readFile(theirsPath)]);
  if (Buffer.compare(ours, theirs) === 0) return null;
  const [a, b] = await Promise.all([gguf(oursPath, { allowLocalFile: true }), gguf(theirsPath, { allowLocalFile: true })]);
  const aStart = Number(a.tensorDataOffset);
  if (aStart !== Number(b.tensorDataOffset) || Buffer.compare(ours.subarray(0, aStart), theirs.subarray(0, aStart)) !== 0) {
    const keysA = Object.keys(a.metadata).join(',');
    const keysB = Object.keys(b.metadata).join(',');
    if (keysA !== keysB) return `metadata keys differ:\n ours:   ${keysA}\n theirs: ${keysB}`;
    for (const key of Object.keys(a.metadata)) {
      const va = JSON.stringify((a.metadata as Record<string, unknown>)[key], (_, v) => (typeof v === 'bigint' ? String(v) : v));
      const vb = JSON.stringify((b.metadata as Record<string, unknown>)[key], (_, v) => (typeof v === 'bigint' ? String(v) : v));
      if (va !== vb) return `metadata "${key}" differs: ours ${va?.slice(0, 200)}, theirs ${vb?.slice(0, 200)}`;
    }
    for (let i = 0; i < Math.max(a.tensorInfos.length, b.tensorInfos.length); i++) {
      const ta = a.tensorInfos[i];
      const tb = b.tensorInfos[i];
      if (ta?.name !== tb?.name || Number(ta?.dtype) !== Number(tb?.dtype)) {
        return `tensor info ${i} differs: ours ${ta?.name} ${ta && ggmlTypeById(Number(ta.dtype))}, theirs ${tb?.name} ${tb && ggmlTypeById(Number(tb.dtype))}`;
      }
    }
    return 'headers differ (tensor shapes or offsets)';
  }
  for (const t of a.tensorInfos) {
    const type = ggmlTypeById(Number(t.dtype))!;
    const ne = t.shape.map(Number);
    const rowBytes = (ne[0]! / GGML_TYPES[type].blockSize) * GGML_TYPES[type].typeSize;
    const rows = ne.slice(1).reduce((x, y) => x * y, 1);
    const start = aStart + Number(t.offset);
    for (let r = 0; r < rows; r++) {
      const ra = ours.subarray(start + r * rowBytes, start + (r + 1) * rowBytes);
      const rb = theirs.subarray(start + r * rowBytes, start + (r + 1) * rowBytes);
      if (Buffer.compare(ra, rb) !== 0) {
        const byte = ra.findIndex((v, i) => v !== rb[i]);
        const blockBytes = GGML_TYPES[type].typeSize;
        return `tensor ${t.name} (${type}) row ${r} differs first at byte ${byte} (block ${Math.floor(byte / blockBytes)}, offset ${byte % blockBytes} in block)`;
      }
    }
  }
  return `files differ in length (${ours.length} vs ${theirs.length}) or padding`;
}
