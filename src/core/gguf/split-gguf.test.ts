import { describe, expect, it } from 'vitest';
import type { ByteSink } from '../bytes-io.ts';
import { layoutGguf, type GgufTensorInfo } from './gguf-header.ts';
import type { GgufKv } from './gguf-value.ts';
import { ggufSplitArgs, layoutShards, parseSplitSize, shardFileName, splitLikeGgufSplit, splitLikeKeepSplit, splitSink } from './split-gguf.ts';

const META: GgufKv[] = [{ key: 'general.architecture', value: { type: 'string', value: 'llama' } }];
// 5 tensors of 256 F32 values: 1024 bytes each (aligned).
const TENSORS: GgufTensorInfo[] = Array.from({ length: 5 }, (_, i) => ({ name: `t${i}.weight`, ne: [256], type: 'F32' }));

class MemorySink implements ByteSink {
  chunks: Uint8Array[] = [];
  state: 'open' | 'closed' | 'aborted' = 'open';
  async write(c: Uint8Array) { this.chunks.push(c.slice()); }
  async close() { this.state = 'closed'; }
  async abort() { this.state = 'aborted'; }
  bytes(): Uint8Array { return Uint8Array.from(this.chunks.flatMap((c) => [...c])); }
}

describe('split GGUF layout', () => {
  it('names files as llama_split_path does', () => {
    expect(shardFileName('out/model-Q4_K_M', 1, 3)).toBe('out/model-Q4_K_M-00002-of-00003.gguf');
  });

  it('parses gguf-split sizes (M and G are powers of ten) and refuses others', () => {
    expect(parseSplitSize('500M')).toBe(5e8);
    expect(parseSplitSize('2G')).toBe(2e9);
    for (const bad of ['2', '2GB', '0G', '1.5G', 'G']) expect(() => parseSplitSize(bad)).toThrow(/whole number followed by M or G/);
  });

  it('by tensor count: a new file every N tensors, metadata in the first, split keys last', () => {
    const shards = splitLikeGgufSplit(META, TENSORS, { maxTensors: 2 });
    expect(shards.map((s) => [s.firstTensor, s.tensorCount])).toEqual([[0, 2], [2, 2], [4, 1]]);
    expect(shards[0]!.metadata.map((kv) => kv.key)).toEqual(['general.architecture', 'split.no', 'split.tensors.count', 'split.count']);
    expect(shards[2]!.metadata).toEqual([
      { key: 'split.no', value: { type: 'u16', value: 2 } }, { key: 'split.tensors.count', value: { type: 'i32', value: 5 } }, { key: 'split.count', value: { type: 'u16', value: 3 } },
    ]);
  });

  it('by size: the next tensor would go over the limit (padded sizes)', () => {
    expect(splitLikeGgufSplit(META, TENSORS, { maxBytes: 2048 }).map((s) => s.tensorCount)).toEqual([2, 2, 1]);
    expect(splitLikeGgufSplit(META, TENSORS, { maxBytes: 3000 }).map((s) => s.tensorCount)).toEqual([2, 2, 1]);
    expect(splitLikeGgufSplit(META, TENSORS, { maxBytes: 3072 }).map((s) => s.tensorCount)).toEqual([3, 2]);
    expect(() => splitLikeGgufSplit(META, TENSORS, { maxBytes: 1000 })).toThrow('tensor "t0.weight" alone (1024 bytes) is larger than the split size, 1000 bytes');
  });

  it('keep-split: the source files, split keys in llama-quantize\'s order; one source file means no split keys', () => {
    const shards = splitLikeKeepSplit(META, [0, 0, 1, 1, 1]);
    expect(shards.map((s) => [s.firstTensor, s.tensorCount])).toEqual([[0, 2], [2, 3]]);
    expect(shards[1]!.metadata.map((kv) => kv.key)).toEqual(['split.no', 'split.count', 'split.tensors.count']);
    expect(splitLikeKeepSplit(META, [0, 0, 0])[0]!.metadata).toEqual(META);
    expect(() => splitLikeKeepSplit(META, [0, 1, 0])).toThrow(/not together/);
  });

  it('splitSink cuts the whole file\'s stream into the files, each with its own header, whatever the chunking', async () => {
    const whole = layoutGguf(META, TENSORS);
    const data = new Uint8Array(whole.totalBytes);
    data.set(whole.header);
    for (let i = whole.header.length; i < data.length; i++) data[i] = i % 251;
    const shards = splitLikeGgufSplit(META, TENSORS, { maxTensors: 2 });
    const layouts = layoutShards(shards, TENSORS);
    for (const chunk of [7, 1000, data.length]) {
      const sinks: MemorySink[] = [];
      const sink = splitSink(whole, shards, layouts, () => { const s = new MemorySink(); sinks.push(s); return s; });
      for (let at = 0; at < data.length; at += chunk) await sink.write(data.subarray(at, at + chunk));
      await sink.close();
      expect(sinks.map((s) => s.state)).toEqual(['closed', 'closed', 'closed']);
      for (const [i, s] of sinks.entries()) {
        const shard = shards[i]!;
        const start = whole.tensorOffsets[shard.firstTensor]!;
        const end = whole.tensorOffsets[shard.firstTensor + shard.tensorCount] ?? whole.totalBytes;
        expect(s.bytes()).toEqual(Uint8Array.from([...layouts[i]!.header, ...data.subarray(start, end)]));
      }
    }
  });

  it('an aborted split export aborts the open file and the ones already closed; closing early is an error', async () => {
    const whole = layoutGguf(META, TENSORS);
    const shards = splitLikeGgufSplit(META, TENSORS, { maxTensors: 2 });
    const sinks: MemorySink[] = [];
    const sink = splitSink(whole, shards, layoutShards(shards, TENSORS), () => { const s = new MemorySink(); sinks.push(s); return s; });
    await sink.write(new Uint8Array(whole.tensorOffsets[3]!));
    await expect(sink.close()).rejects.toThrow(/closed at byte \d+ of \d+, 2 of 3 files written/);
    await sink.abort(new Error('stop'));
    expect(sinks.map((s) => s.state)).toEqual(['aborted', 'aborted']);
  });
});

describe('ggufSplitArgs', () => {
  const sized = (mb: number[]): GgufTensorInfo[] => mb.map((m, i) => ({ name: `t${i}`, ne: [m * 250_000], type: 'F32' }));
  it('finds the tensor count or the size in M that makes the same cut, or says none does', () => {
    const tensors = sized([1, 1, 1, 1, 1]);
    expect(ggufSplitArgs([tensors.slice(0, 2), tensors.slice(2, 4), tensors.slice(4)])).toEqual(['--split-max-tensors', '2']);
    const uneven = sized([3, 1, 2, 2, 1]);
    // 3 | 1 2 | 2 1: no tensor count gives 1, 2, 2; at most 3 MB a file does.
    expect(ggufSplitArgs([uneven.slice(0, 1), uneven.slice(1, 3), uneven.slice(3)])).toEqual(['--split-max-size', '3M']);
    // 3 1 | 2 | 2 1: 4 MB would put the third 2 MB tensor with the second file; nothing else fits either.
    expect(ggufSplitArgs([uneven.slice(0, 2), uneven.slice(2, 3), uneven.slice(3)])).toBeNull();
  });
});
