// Importance matrices: llama.cpp's GGUF imatrix and its legacy .dat format.
import { imatrixGgufBytes } from '../../../src/core/imatrix/write-imatrix-gguf.ts';
import type { ImportanceMatrix } from '../../../src/core/imatrix/imatrix-types.ts';
import { readImatrix } from '../../../src/core/imatrix/read-imatrix.ts';
import { memorySource } from '../../helpers/memory-files.ts';
import type { FuzzRng, FuzzTarget } from '../fuzz-types.ts';
import { edgeNumber, mutateBytes } from '../mutate.ts';
import { ggufRuleViolation } from './gguf-rules.ts';

function seedStats() {
  const entries = new Map<string, { sums: Float32Array; count: number }>();
  entries.set('blk.0.attn_q.weight', { sums: Float32Array.from({ length: 64 }, (_, i) => i + 1), count: 8 });
  entries.set('blk.0.ffn_down.weight', { sums: Float32Array.from({ length: 32 }, (_, i) => 2 * i + 1), count: 4 });
  return { entries, chunkCount: 2, chunkSize: 64 } as Parameters<typeof imatrixGgufBytes>[0];
}

export const imatrixGgufTarget: FuzzTarget = {
  name: 'imatrix (GGUF)',
  errorNames: /im\.gguf/,
  async prepare() {
    const seed = imatrixGgufBytes(seedStats(), ['calibration.txt']);
    const headerEnd = seed.length - (64 + 32 + 2) * 4 - 64;
    return (rng) => {
      const bytes = mutateBytes(seed, rng, { start: 0, end: headerEnd });
      return {
        run: () => readImatrix(memorySource('im.gguf', bytes)),
        check: () => {
          const broken = ggufRuleViolation(bytes);
          return broken ? `accepted a file llama.cpp refuses: ${broken}` : null;
        },
      };
    };
  },
};

interface LegacyEntry { nameBytes: Uint8Array; ncall: number; values: Float32Array }

function legacyBytes(entries: LegacyEntry[], trailer: { chunks: number; dataset: Uint8Array } | null, countOverride?: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const i32 = (v: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, v, true); return b; };
  parts.push(i32(countOverride ?? entries.length));
  for (const e of entries) parts.push(i32(e.nameBytes.length), e.nameBytes, i32(e.ncall), i32(e.values.length), new Uint8Array(e.values.buffer.slice(0)));
  if (trailer) parts.push(i32(trailer.chunks), i32(trailer.dataset.length), trailer.dataset);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/**
 * The legacy format as llama-imatrix wrote it: an i32 entry count ≥ 1; per entry an i32 name
 * length, the name (a tensor name: UTF-8 without NUL, shorter than 64 bytes, as ggml names are),
 * i32 calls, i32 value count ≥ 1 and the f32 values; then optionally the i32 chunk count, an i32
 * dataset name length ≥ 0 and the name, and nothing after it.
 */
function legacyRuleViolation(bytes: Uint8Array, accepted: ImportanceMatrix): string | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const i32 = () => { if (at + 4 > bytes.length) throw new Error('truncated'); const v = view.getInt32(at, true); at += 4; return v; };
  try {
    const n = i32();
    if (n < 1) return 'no entries';
    const names = new Map<string, Float32Array>();
    for (let i = 0; i < n; i++) {
      const len = i32();
      if (len < 1 || len >= 64 || at + len > bytes.length) return `name length ${len}`;
      const raw = bytes.subarray(at, at + len);
      at += len;
      if (raw.includes(0)) return 'NUL in a name';
      let name: string;
      try { name = new TextDecoder('utf-8', { fatal: true }).decode(raw); } catch { return 'name is not UTF-8'; }
      const ncall = i32();
      const nval = i32();
      if (nval < 1 || at + nval * 4 > bytes.length) return `value count ${nval}`;
      const values = new Float32Array(bytes.slice(at, at + nval * 4).buffer);
      at += nval * 4;
      names.set(name, ncall > 0 ? values.map((v) => v / ncall) : values);
    }
    if (at !== bytes.length) {
      i32();
      const len = i32();
      if (len < 0 || at + len !== bytes.length) return 'trailing bytes after the entries';
    }
    if (names.size !== accepted.entries.size) return `read ${accepted.entries.size} entries, the file has ${names.size}`;
    for (const [name, values] of names) {
      const got = accepted.entries.get(name);
      if (!got || got.length !== values.length || got.some((v, i) => !Object.is(v, values[i]))) return `entry "${name}" read differently`;
    }
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

function randomLegacy(rng: FuzzRng): Uint8Array {
  const enc = new TextEncoder();
  const names = ['blk.0.attn_q.weight', 'blk.1.ffn_down.weight', 'output.weight', 'a\u0000b', 'x'.repeat(200), '\u00e9', 'blk.0.attn_q.weight'];
  const entries: LegacyEntry[] = Array.from({ length: 1 + rng.int(3) }, () => ({
    nameBytes: rng.chance(0.05) ? new Uint8Array([0xff, 0xfe]) : enc.encode(rng.pick(names)),
    ncall: rng.chance(0.8) ? 1 + rng.int(100) : edgeNumber(rng) | 0,
    values: Float32Array.from({ length: 1 + rng.int(40) }, () => rng.uniform() * 10),
  }));
  const trailer = rng.chance(0.7) ? { chunks: rng.int(100), dataset: enc.encode(rng.chance(0.9) ? 'wiki.train.raw' : '') } : null;
  const bytes = legacyBytes(entries, trailer, rng.chance(0.15) ? edgeNumber(rng) | 0 : undefined);
  return rng.chance(0.6) ? mutateBytes(bytes, rng) : bytes;
}

export const imatrixLegacyTarget: FuzzTarget = {
  name: 'imatrix (legacy .dat)',
  errorNames: /imatrix\.dat/,
  async prepare() {
    return (rng) => {
      const bytes = randomLegacy(rng);
      return {
        run: () => readImatrix(memorySource('imatrix.dat', bytes)),
        check: (accepted) => legacyRuleViolation(bytes, accepted as ImportanceMatrix),
      };
    };
  },
};
