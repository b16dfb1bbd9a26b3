// Reads a GGUF file back for comparisons: metadata and tensor infos through @huggingface/gguf,
// tensor bytes by offset.
import { readFile } from 'node:fs/promises';
import { gguf, type GGUFParseOutput } from '@huggingface/gguf';
import { GGML_TYPES, ggmlTypeById } from '../../src/core/ggml-type.ts';

export interface ReadGguf {
  parsed: GGUFParseOutput;
  bytes: Uint8Array;
  tensor(name: string): { type: string; ne: number[]; data: Uint8Array } | undefined;
}

export async function readGguf(file: string): Promise<ReadGguf> {
  const parsed = await gguf(file, { allowLocalFile: true });
  const bytes = new Uint8Array(await readFile(file));
  return {
    parsed,
    bytes,
    tensor(name) {
      const info = parsed.tensorInfos.find((t) => t.name === name);
      if (!info) return undefined;
      const type = ggmlTypeById(Number(info.dtype));
      if (!type) throw new Error(`${file}: tensor ${name} has unknown type ${info.dtype}`);
      const ne = info.shape.map(Number);
      const t = GGML_TYPES[type];
      const size = (ne[0]! / t.blockSize) * t.typeSize * ne.slice(1).reduce((a, b) => a * b, 1);
      const start = Number(parsed.tensorDataOffset) + Number(info.offset);
      return { type, ne, data: bytes.subarray(start, start + size) };
    },
  };
}
