import { describe, expect, it } from 'vitest';
import type { ByteSink } from '../core/bytes-io.ts';
import { layoutGguf, type GgufTensorInfo } from '../core/gguf/gguf-header.ts';
import { layoutShards, shardRanges, splitLikeGgufSplit, splitSink } from '../core/gguf/split-gguf.ts';
import { splitBlobParts } from './split-blob-parts.ts';

const META = [{ key: 'general.architecture', value: { type: 'string' as const, value: 'llama' } }];
const TENSORS: GgufTensorInfo[] = Array.from({ length: 5 }, (_, i) => ({ name: `t${i}.weight`, ne: [64 * (i + 1)], type: 'F32' }));

describe('splitBlobParts', () => {
  it('makes from the whole file the very files the split export streamed', async () => {
    const whole = layoutGguf(META, TENSORS);
    const data = new Uint8Array(whole.totalBytes);
    data.set(whole.header);
    for (let i = whole.header.length; i < data.length; i++) data[i] = (i * 7) % 253;
    const shards = splitLikeGgufSplit(META, TENSORS, { maxBytes: 1024 });
    const layouts = layoutShards(shards, TENSORS);
    const streamed: Uint8Array[][] = [];
    const sink = splitSink(whole, shards, layouts, () => {
      const chunks: Uint8Array[] = [];
      streamed.push(chunks);
      return { write: async (c) => void chunks.push(c.slice()), close: async () => {}, abort: async () => {} } satisfies ByteSink;
    });
    await sink.write(data);
    await sink.close();
    const names = shards.map((_, i) => `m-0000${i + 1}-of-0000${shards.length}.gguf`);
    const parts = splitBlobParts(new Blob([data]), shardRanges(whole, shards, layouts), names);
    expect(parts.map((p) => p.name)).toEqual(names);
    expect(parts.length).toBeGreaterThan(2);
    for (const [i, p] of parts.entries()) {
      expect(new Uint8Array(await p.blob.arrayBuffer())).toEqual(Uint8Array.from(streamed[i]!.flatMap((c) => [...c])));
    }
  });

  it('refuses a kept file of another size than the split expects', () => {
    const whole = layoutGguf(META, TENSORS);
    const shards = splitLikeGgufSplit(META, TENSORS, { maxBytes: 1024 });
    const ranges = shardRanges(whole, shards, layoutShards(shards, TENSORS));
    expect(() => splitBlobParts(new Blob([new Uint8Array(10)]), ranges, ranges.map((_, i) => `p${i}`))).toThrow(/kept file has 10 bytes/);
  });
});
