// Split GGUF files as llama.cpp writes them, so that llama.cpp loads the set from its first file:
// - gguf-split's strategy (llama-gguf-split --split-max-tensors / --split-max-size): tensors in
//   order, a new file after every N tensors, or before the tensor that would take the file's
//   tensor data (each tensor padded to the alignment) over the size; all metadata in the first
//   file, then split.no, split.tensors.count and split.count; the other files hold only those.
// - llama-quantize --keep-split: the source's own files (a tensor goes where it came from);
//   the first file's metadata followed by split.no, split.count and split.tensors.count, the
//   others only those three.
// A split file's tensor data is the unsplit file's, cut at tensor boundaries (offsets restart at
// the first tensor of each file, which is aligned in both), so one streamed export can be cut
// into the files as it is written (splitSink).
import type { ByteSink } from '../bytes-io.ts';
import { tensorBytes } from '../ggml-type.ts';
import { alignUp, layoutGguf, GGUF_DEFAULT_ALIGNMENT, type GgufLayout, type GgufTensorInfo } from './gguf-header.ts';
import type { GgufKv } from './gguf-value.ts';

export interface SplitLimits {
  /** At most this many tensors a file (gguf-split's default is 128). */
  maxTensors?: number;
  /** At most this many bytes of tensor data a file (gguf-split's --split-max-size, M = 10^6, G = 10^9). */
  maxBytes?: number;
}

export interface GgufShard {
  metadata: GgufKv[];
  /** Index of its first tensor in the whole file's list, and how many. */
  firstTensor: number;
  tensorCount: number;
}

const u16 = (value: number): GgufKv['value'] => ({ type: 'u16', value });
const i32 = (value: number): GgufKv['value'] => ({ type: 'i32', value });

/** "PREFIX-00002-of-00005.gguf" (llama_split_path); shard numbers from 0. */
export function shardFileName(prefix: string, shard: number, count: number): string {
  return `${prefix}-${String(shard + 1).padStart(5, '0')}-of-${String(count).padStart(5, '0')}.gguf`;
}

/** Parses gguf-split's size syntax: a whole number followed by M (10^6 bytes) or G (10^9 bytes). */
export function parseSplitSize(text: string): number {
  const m = /^(\d+)([MG])$/.exec(text.trim());
  if (!m || Number(m[1]) < 1) throw new Error(`split size "${text}": expected a whole number followed by M or G (e.g. 2G, 500M)`);
  return Number(m[1]) * (m[2] === 'M' ? 1e6 : 1e9);
}

/** Where gguf-split starts each file: the index of each file's first tensor. */
function ggufSplitStarts(tensors: readonly GgufTensorInfo[], limits: SplitLimits, alignment: number): number[] {
  const starts = [0];
  if (limits.maxBytes !== undefined) {
    let size = 0;
    for (const [i, t] of tensors.entries()) {
      const bytes = alignUp(tensorBytes(t.type, t.ne) as number, alignment);
      if (size + bytes > limits.maxBytes) {
        if (i === starts.at(-1)) throw new Error(`tensor "${t.name}" alone (${bytes} bytes) is larger than the split size, ${limits.maxBytes} bytes`);
        starts.push(i);
        size = bytes;
      } else {
        size += bytes;
      }
    }
  } else {
    const n = limits.maxTensors ?? 128;
    if (!Number.isInteger(n) || n < 1) throw new Error(`split: at most ${n} tensors a file is not a positive whole number`);
    for (let i = n; i < tensors.length; i += n) starts.push(i);
  }
  return starts;
}

/** gguf-split's files for a file of `metadata` and `tensors`. */
export function splitLikeGgufSplit(metadata: readonly GgufKv[], tensors: readonly GgufTensorInfo[], limits: SplitLimits, alignment = GGUF_DEFAULT_ALIGNMENT): GgufShard[] {
  if (limits.maxBytes !== undefined && limits.maxTensors !== undefined) throw new Error('split by size or by tensor count, not both');
  const starts = ggufSplitStarts(tensors, limits, alignment);
  return starts.map((first, i) => ({
    metadata: [
      ...(i === 0 ? metadata : []),
      { key: 'split.no', value: u16(i) }, { key: 'split.tensors.count', value: i32(tensors.length) }, { key: 'split.count', value: u16(starts.length) },
    ],
    firstTensor: first,
    tensorCount: (starts[i + 1] ?? tensors.length) - first,
  }));
}

/** llama-quantize --keep-split's files: `shardOf[i]` is tensor i's source file (tensors ordered by it). */
export function splitLikeKeepSplit(metadata: readonly GgufKv[], shardOf: readonly number[]): GgufShard[] {
  const count = Math.max(0, ...shardOf) + 1;
  const shards: GgufShard[] = [];
  for (let s = 0; s < count; s++) {
    const first = shardOf.indexOf(s);
    const n = shardOf.filter((x) => x === s).length;
    if (n === 0 || shardOf.slice(first, first + n).some((x) => x !== s)) throw new Error(`--keep-split: the tensors of source file ${s + 1} are not together`);
    shards.push({
      metadata: [
        ...(s === 0 ? metadata : []),
        { key: 'split.no', value: u16(s) }, { key: 'split.count', value: u16(count) }, { key: 'split.tensors.count', value: i32(shardOf.length) },
      ],
      firstTensor: first,
      tensorCount: n,
    });
  }
  return shards.length > 1 ? shards : [{ metadata: [...metadata], firstTensor: 0, tensorCount: shardOf.length }];
}

/** Each file's layout (its header and sizes). */
export function layoutShards(shards: readonly GgufShard[], tensors: readonly GgufTensorInfo[], alignment = GGUF_DEFAULT_ALIGNMENT): GgufLayout[] {
  return shards.map((s) => layoutGguf(s.metadata, tensors.slice(s.firstTensor, s.firstTensor + s.tensorCount), alignment));
}

/**
 * A sink for the whole file's byte stream that writes the split files instead: the whole
 * header is dropped, each file gets its own header, then its stretch of the tensor data. A file
 * is opened when its first byte arrives and closed at its last; abort() aborts the open one and
 * the ones already closed (their sinks must still be able to remove them, as the Node CLI's output
 * set does until it commits).
 */
/**
 * Each split file as its header followed by the whole file's bytes [start, end): the files can
 * be made from the whole file without rewriting it (a stream cut as it passes, or Blob slices).
 */
export function shardRanges(whole: GgufLayout, shards: readonly GgufShard[], layouts: readonly GgufLayout[]): { header: Uint8Array; start: number; end: number }[] {
  const starts = shards.map((s) => whole.tensorOffsets[s.firstTensor]!);
  return layouts.map((layout, i) => {
    const start = starts[i]!;
    const end = starts[i + 1] ?? whole.totalBytes;
    if (layout.totalBytes - layout.header.length !== end - start) {
      throw new Error(`split file ${i + 1}: ${layout.totalBytes - layout.header.length} bytes of tensor data, the whole file has ${end - start} for its tensors`);
    }
    return { header: layout.header, start, end };
  });
}

export function splitSink(whole: GgufLayout, shards: readonly GgufShard[], layouts: readonly GgufLayout[], open: (shard: number) => ByteSink): ByteSink {
  const ranges = shardRanges(whole, shards, layouts);
  const ends = ranges.map((r) => r.end);
  const sinks: ByteSink[] = [];
  let position = 0;
  let current = -1;
  return {
    async write(chunk) {
      let at = 0;
      while (at < chunk.length) {
        if (position < whole.header.length) {
          const skip = Math.min(chunk.length - at, whole.header.length - position);
          at += skip;
          position += skip;
          continue;
        }
        if (current < 0 || position === ends[current]) {
          current++;
          if (current >= shards.length) throw new Error(`split export: ${chunk.length - at} bytes past the end of the last file`);
          const sink = open(current);
          sinks.push(sink);
          await sink.write(ranges[current]!.header);
        }
        const n = Math.min(chunk.length - at, ends[current]! - position);
        await sinks[current]!.write(chunk.subarray(at, at + n));
        at += n;
        position += n;
        if (position === ends[current]) await sinks[current]!.close();
      }
    },
    async close() {
      if (position !== whole.totalBytes || sinks.length !== shards.length) {
        throw new Error(`split export closed at byte ${position} of ${whole.totalBytes}, ${sinks.length} of ${shards.length} files written`);
      }
    },
    async abort(reason) {
      await Promise.all(sinks.map((s) => s.abort(reason).catch(() => {})));
    },
  };
}

/**
 * llama-gguf-split options that cut a file into exactly these parts (each part's tensors, in
 * order), or null when none does: --split-max-tensors N when every part but the last holds N,
 * else the smallest --split-max-size in whole M (10^6 bytes) that cuts there. Checked by cutting.
 */
export function ggufSplitArgs(parts: readonly (readonly GgufTensorInfo[])[], alignment = GGUF_DEFAULT_ALIGNMENT): string[] | null {
  const all = parts.flat();
  const counts = parts.map((p) => p.length);
  const cutsAt = (limits: SplitLimits) => {
    try {
      return splitLikeGgufSplit([], all, limits, alignment).map((s) => s.tensorCount).join() === counts.join();
    } catch {
      return false;
    }
  };
  if (cutsAt({ maxTensors: counts[0]! })) return ['--split-max-tensors', String(counts[0])];
  const sizes = parts.map((p) => p.reduce((n, t) => n + alignUp(tensorBytes(t.type, t.ne) as number, alignment), 0));
  const megabytes = Math.ceil(Math.max(...sizes) / 1e6);
  return cutsAt({ maxBytes: megabytes * 1e6 }) ? ['--split-max-size', `${megabytes}M`] : null;
}
