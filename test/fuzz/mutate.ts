// Mutations that reach the corners parsers forget: values at type and size limits, inherited
// property names, wrong types, deep nesting, truncation, and corrupted bytes at field boundaries.
import type { FuzzRng } from './fuzz-types.ts';

/** Integers at the edges of i32, u32, u64 and JavaScript's exact range, and some ordinary ones. */
export const EDGE_NUMBERS = [
  0, 1, -1, 2, 3, 7, 8, 16, 31, 32, 64, 255, 256, 1000, 4096, 65535, 65536,
  2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40, 2 ** 53 - 1, 2 ** 53, 2 ** 63, 2 ** 64,
  1e9, 1e12, 1e15, 1e300, -1e300, 0.5, 1.5, -0.5, 1e-300, -0,
] as const;

/** Names that look up inherited properties of plain objects. */
export const INHERITED_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__'] as const;

export function edgeNumber(rng: FuzzRng): number {
  return rng.chance(0.8) ? rng.pick(EDGE_NUMBERS) : rng.int(1 << rng.int(31));
}

export function randomString(rng: FuzzRng): string {
  switch (rng.int(8)) {
    case 0: return '';
    case 1: return rng.pick(INHERITED_NAMES);
    case 2: return 'x'.repeat(1 + rng.int(5000));
    case 3: return '\u0000\uffff\ud800';
    case 4: return '<|im_start|>';
    case 5: return ' ';
    case 6: return String(edgeNumber(rng));
    default: return 'blk.0.attn_v.weight';
  }
}

/** A JSON value of any kind (nested a few levels at most, or very deep on purpose). */
export function randomJsonValue(rng: FuzzRng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 6 : 9)) {
    case 0: return edgeNumber(rng);
    case 1: return randomString(rng);
    case 2: return rng.chance(0.5);
    case 3: return null;
    case 4: return [];
    case 5: return {};
    case 6: return depth === 0 && rng.chance(0.1) ? Array.from({ length: 20_000 }, () => edgeNumber(rng)) : Array.from({ length: 1 + rng.int(4) }, () => randomJsonValue(rng, depth + 1));
    case 7: return Object.fromEntries(Array.from({ length: 1 + rng.int(4) }, () => [randomString(rng), randomJsonValue(rng, depth + 1)]));
    default: {
      let v: unknown = edgeNumber(rng);
      for (let i = 0, n = rng.chance(0.2) ? 5000 : 20; i < n; i++) v = [v];
      return v;
    }
  }
}

type Container = Record<string, unknown> | unknown[];

/** Every container in the tree with the path to it, for picking a place to mutate. */
function containers(value: unknown, out: Container[] = [], depth = 0): Container[] {
  if (depth > 12 || typeof value !== 'object' || value === null) return out;
  out.push(value as Container);
  for (const child of Object.values(value)) containers(child, out, depth + 1);
  return out;
}

/** Mutates a parsed JSON tree in place, 1–3 times: replace, delete, add, duplicate or retype a value. */
export function mutateJsonTree(root: unknown, rng: FuzzRng, bias?: (rng: FuzzRng) => unknown): void {
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const all = containers(root);
    if (all.length === 0) return;
    // Bias toward the top of the tree, where the fields a parser reads first live.
    const target = rng.chance(0.4) ? all[0]! : rng.pick(all);
    const keys = Object.keys(target);
    const key = keys.length ? rng.pick(keys) : '0';
    const value = bias && rng.chance(0.5) ? bias(rng) : randomJsonValue(rng);
    const rec = target as Record<string, unknown>;
    switch (rng.int(6)) {
      case 0:
        if (Array.isArray(target)) target.splice(Number(key), 1);
        else delete rec[key];
        break;
      case 1:
        if (Array.isArray(target)) target.push(target[Number(key)] ?? value);
        else Object.defineProperty(rec, rng.pick([...INHERITED_NAMES, randomString(rng)]), { value, enumerable: true, configurable: true, writable: true });
        break;
      case 2:
        if (typeof rec[key] === 'number') rec[key] = edgeNumber(rng);
        else rec[key] = value;
        break;
      default:
        rec[key] = value;
    }
  }
}

/** JSON text damaged as text: truncated, a character changed, a quote dropped, a duplicate key. */
export function mutateJsonText(text: string, rng: FuzzRng): string {
  const at = rng.int(text.length + 1);
  switch (rng.int(5)) {
    case 0: return text.slice(0, at);
    case 1: return text.slice(0, at) + rng.pick(['"', '{', '}', '[', ']', ',', ':', '\\', '\u0000', 'NaN', '-']) + text.slice(at);
    case 2: return text.slice(0, at) + text.slice(at + 1 + rng.int(8));
    case 3: return text.replace(/^\{/, `{"${rng.pick(INHERITED_NAMES)}": ${JSON.stringify(randomJsonValue(rng))}, `);
    default: return '['.repeat(rng.chance(0.5) ? 100_000 : 10) + text;
  }
}

/** A mutated copy of a JSON document: mostly structural changes, sometimes text damage. */
export function mutateJson(value: unknown, rng: FuzzRng, bias?: (rng: FuzzRng) => unknown): string {
  const copy = JSON.parse(JSON.stringify(value)) as unknown;
  mutateJsonTree(copy, rng, bias);
  const text = JSON.stringify(copy);
  return rng.chance(0.15) ? mutateJsonText(text, rng) : text;
}

/** Bytes corrupted: bits and bytes flipped, little-endian fields set to edge values, cut or grown. */
export function mutateBytes(bytes: Uint8Array, rng: FuzzRng, focus?: { start: number; end: number }): Uint8Array {
  let out = bytes.slice();
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const lo = focus && rng.chance(0.7) ? focus.start : 0;
    const hi = Math.max(lo + 1, focus && rng.chance(0.7) ? Math.min(focus.end, out.length) : out.length);
    const at = lo + rng.int(hi - lo);
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    switch (rng.int(7)) {
      case 0: if (at < out.length) out[at]! ^= 1 << rng.int(8); break;
      case 1: if (at < out.length) out[at] = rng.pick([0, 0xff, 0x7f, 0x80, 0x20, 0x22]); break;
      case 2: if (at + 4 <= out.length) view.setUint32(at - (at % 4), edgeNumber(rng) >>> 0, true); break;
      case 3: if (at + 8 <= out.length) view.setBigUint64(at - (at % 8), BigInt.asUintN(64, BigInt(Math.trunc(edgeNumber(rng)))), true); break;
      case 4: out = out.slice(0, rng.int(out.length + 1)); break;
      case 5: { const grown = new Uint8Array(out.length + 1 + rng.int(64)); grown.set(out); out = grown; break; }
      default: if (at + 4 <= out.length) view.setInt32(at, -1 - rng.int(16), true);
    }
  }
  return out;
}

/** Text changed by inserting pieces from a dictionary of troublesome snippets, cutting or repeating. */
export function mutateText(text: string, rng: FuzzRng, dictionary: readonly string[]): string {
  let out = text;
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const at = rng.int(out.length + 1);
    switch (rng.int(4)) {
      case 0: out = out.slice(0, at) + rng.pick(dictionary) + out.slice(at); break;
      case 1: out = out.slice(0, at) + out.slice(at + 1 + rng.int(20)); break;
      case 2: out = out.slice(0, at) + out.slice(at, at + 40).repeat(1 + rng.int(50)) + out.slice(at); break;
      default: out = out.slice(0, at) + String.fromCharCode(rng.int(0x3000)) + out.slice(at);
    }
  }
  return out;
}
