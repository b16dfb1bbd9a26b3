// Metadata in the converter's order. gguf-py keeps KVs in a Python dict: setting a key again
// replaces its value where it first appeared, which is how a family's overrides keep the order
// of TextModel's generic keys.
import type { GgufKv, GgufValue } from '../gguf/gguf-value.ts';

export class KvList {
  private readonly entries = new Map<string, GgufValue>();

  set(key: string, value: GgufValue): this {
    this.entries.set(key, value);
    return this;
  }
  u32(key: string, value: number): this {
    return this.set(key, { type: 'u32', value });
  }
  f32(key: string, value: number): this {
    return this.set(key, { type: 'f32', value });
  }
  str(key: string, value: string): this {
    return this.set(key, { type: 'string', value });
  }
  bool(key: string, value: boolean): this {
    return this.set(key, { type: 'bool', value });
  }
  has(key: string): boolean {
    return this.entries.has(key);
  }
  toArray(): GgufKv[] {
    return [...this.entries].map(([key, value]) => ({ key, value }));
  }
}
