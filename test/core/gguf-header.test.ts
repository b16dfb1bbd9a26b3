import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gguf } from '@huggingface/gguf';
import { describe, expect, it } from 'vitest';
import { layoutGguf } from '../../src/core/gguf/gguf-header.ts';
import type { GgufKv } from '../../src/core/gguf/gguf-value.ts';

const metadata: GgufKv[] = [
  { key: 'general.architecture', value: { type: 'string', value: 'llama' } },
  { key: 'general.name', value: { type: 'string', value: 'tëst ✓' } },
  { key: 'llama.block_count', value: { type: 'u32', value: 3 } },
  { key: 'llama.rope.freq_base', value: { type: 'f32', value: 10000 } },
  { key: 'flag', value: { type: 'bool', value: true } },
  { key: 'big', value: { type: 'u64', value: 2n ** 40n } },
  { key: 'tokenizer.ggml.tokens', value: { type: 'array', itemType: 'string', value: ['<s>', 'a b', '🙂'] } },
  { key: 'tokenizer.ggml.scores', value: { type: 'array', itemType: 'f32', value: new Float32Array([0, -1.5, -2]) } },
  { key: 'tokenizer.ggml.token_type', value: { type: 'array', itemType: 'i32', value: new Int32Array([3, 1, 1]) } },
];

describe('GGUF header layout', () => {
  it('writes a header that @huggingface/gguf parses back, with dense aligned offsets', async () => {
    const tensors = [
      { name: 'a.weight', ne: [64, 3], type: 'Q8_0' as const }, // 2 blocks x 34 bytes x 3 rows = 204
      { name: 'b.weight', ne: [5], type: 'F32' as const }, // 20 bytes
      { name: 'c.weight', ne: [32, 2, 1, 1], type: 'F16' as const }, // trailing 1s are not written
    ];
    const layout = layoutGguf(metadata, tensors);
    expect(layout.header.length % 32).toBe(0);
    expect(layout.tensorSizes).toEqual([204, 20, 128]);
    expect(layout.tensorOffsets).toEqual([layout.header.length, layout.header.length + 224, layout.header.length + 256]);
    expect(layout.totalBytes).toBe(layout.header.length + 256 + 128);

    const file = new Uint8Array(layout.totalBytes);
    file.set(layout.header);
    const dir = await mkdtemp(path.join(tmpdir(), 'gguf-'));
    try {
      const p = path.join(dir, 'x.gguf');
      await writeFile(p, file);
      const parsed = await gguf(p, { allowLocalFile: true });
      const meta = parsed.metadata as Record<string, unknown>;
      expect(meta['general.name']).toBe('tëst ✓');
      expect(meta['llama.block_count']).toBe(3);
      expect(meta['big']).toBe(2n ** 40n);
      expect(meta['flag']).toBe(true);
      expect(meta['tokenizer.ggml.tokens']).toEqual(['<s>', 'a b', '🙂']);
      expect(meta['tokenizer.ggml.scores']).toEqual([0, -1.5, -2]);
      expect(parsed.tensorInfos.map((t) => [t.name, t.shape.map(Number), t.dtype, Number(t.offset)])).toEqual([
        ['a.weight', [64, 3], 8, 0],
        ['b.weight', [5], 0, 224],
        ['c.weight', [32, 2], 1, 256],
      ]);
      expect(parsed.tensorDataOffset).toBe(BigInt(layout.header.length));
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('rejects what llama.cpp would reject', () => {
    expect(() => layoutGguf(metadata, [{ name: 'x', ne: [33, 2], type: 'Q4_0' }])).toThrow(/"x".*not a multiple of Q4_0's block size 32/);
    expect(() => layoutGguf(metadata, [{ name: 'x', ne: [32], type: 'F32' }, { name: 'x', ne: [32], type: 'F32' }])).toThrow(/duplicate name/);
    expect(() => layoutGguf(metadata, [{ name: 'n'.repeat(64), ne: [32], type: 'F32' }])).toThrow(/name must be/);
    expect(() => layoutGguf([...metadata, metadata[0]!], [])).toThrow(/duplicate key "general.architecture"/);
    expect(() => layoutGguf([{ key: 'general.alignment', value: { type: 'u64', value: 32n } }], [])).toThrow(/general.alignment must be a u32/);
  });
});
