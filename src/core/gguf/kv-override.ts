// llama-quantize's --override-kv KEY=TYPE:VALUE: a metadata key set in the output, after the
// source's keys and the file type (setting a key moves it to the end). Types as llama-quantize
// writes them: int -> u32 of the absolute value, float -> f32, bool -> bool, str -> string of at
// most 127 bytes. Where llama.cpp's parser would quietly read "12abc" as 12 (atol), this one
// refuses the value.
import type { GgufKv } from './gguf-value.ts';

export function parseKvOverride(text: string): GgufKv {
  const eq = text.indexOf('=');
  const fail = (why: string) => new Error(`--override-kv ${text}: ${why}; expected KEY=TYPE:VALUE with TYPE int, float, bool or str`);
  if (eq <= 0 || eq >= 128) throw fail(eq <= 0 ? 'no key' : 'the key is longer than 127 bytes');
  const key = text.slice(0, eq);
  const rest = text.slice(eq + 1);
  const colon = rest.indexOf(':');
  const type = colon < 0 ? '' : rest.slice(0, colon);
  const value = rest.slice(colon + 1);
  switch (type) {
    case 'int': {
      if (!/^[+-]?\d+$/.test(value)) throw fail(`"${value}" is not a whole number`);
      const abs = BigInt(value.replace(/^[+-]/, ''));
      return { key, value: { type: 'u32', value: Number(abs % 2n ** 32n) } };
    }
    case 'float': {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw fail(`"${value}" is not a number`);
      return { key, value: { type: 'f32', value: Math.fround(n) } };
    }
    case 'bool':
      if (value !== 'true' && value !== 'false') throw fail(`"${value}" is not true or false`);
      return { key, value: { type: 'bool', value: value === 'true' } };
    case 'str':
      if (new TextEncoder().encode(value).length > 127) throw fail('the value is longer than 127 bytes');
      return { key, value: { type: 'string', value } };
    default:
      throw fail(`unknown type "${type}"`);
  }
}
