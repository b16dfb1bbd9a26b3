// Broken copies of a model folder, one defect each, for the bad-input tests.
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

type Header = Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;

export function splitSafetensors(bytes: Uint8Array): { header: Header; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.subarray(8 + n) };
}

export function joinSafetensors(header: Header, data: Uint8Array): Uint8Array {
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const encoded = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + encoded.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(encoded.length), true);
  out.set(encoded, 8);
  out.set(data, 8 + encoded.length);
  return out;
}

const MODEL_FILES = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json'];

/** A copy of `source` whose model.safetensors is `edit(original bytes)`, or without `omit`. */
export async function brokenModel(
  source: string,
  change: { edit?: (safetensors: Uint8Array) => Uint8Array; omit?: string },
): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bad-model-'));
  for (const name of MODEL_FILES) {
    if (name === change.omit) continue;
    if (name === 'model.safetensors' && change.edit) {
      await writeFile(path.join(dir, name), change.edit(new Uint8Array(await readFile(path.join(source, name)))));
    } else {
      await copyFile(path.join(source, name), path.join(dir, name)).catch(() => {});
    }
  }
  return dir;
}

type TensorEntry = { dtype: string; shape: number[]; data_offsets: [number, number] };
const tensorsOf = (h: Header) => Object.entries(h).filter(([k]) => k !== '__metadata__') as [string, TensorEntry][];

/** One defect per case, each with the words its error message must contain. */
export const SAFETENSORS_DEFECTS: Record<string, { edit: (b: Uint8Array) => Uint8Array; expect: RegExp }> = {
  truncated: { edit: (b) => b.subarray(0, Math.floor(b.length / 2)), expect: /model\.safetensors.*(truncated|past the end|end of the file)/i },
  overlapping: {
    edit: (b) => {
      const { header, data } = splitSafetensors(b);
      const [, first] = tensorsOf(header).sort((x, y) => x[1].data_offsets[0] - y[1].data_offsets[0])[1]!;
      first.data_offsets = [first.data_offsets[0] - 4, first.data_offsets[1] - 4];
      return joinSafetensors(header, data);
    },
    expect: /model\.safetensors.*overlap/i,
  },
  'past the end': {
    edit: (b) => {
      const { header, data } = splitSafetensors(b);
      const [, last] = tensorsOf(header).sort((x, y) => y[1].data_offsets[1] - x[1].data_offsets[1])[0]!;
      last.data_offsets = [last.data_offsets[0] + 64, last.data_offsets[1] + 64];
      return joinSafetensors(header, data);
    },
    expect: /model\.safetensors.*past the end/i,
  },
  'unknown dtype': {
    edit: (b) => {
      const { header, data } = splitSafetensors(b);
      tensorsOf(header)[0]![1].dtype = 'F7';
      return joinSafetensors(header, data);
    },
    expect: /model\.safetensors.*dtype.*F7/i,
  },
};

/** stories260K with one weight of blk.1.ffn_up (model.layers.1.mlp.up_proj.weight) set to NaN. */
export function withNaN(b: Uint8Array, tensorName = 'model.layers.1.mlp.up_proj.weight', element = 77): Uint8Array {
  const { header } = splitSafetensors(b);
  const entry = header[tensorName] as TensorEntry;
  const headerLength = Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));
  const copy = new Uint8Array(b);
  new DataView(copy.buffer).setFloat32(8 + headerLength + entry.data_offsets[0] + element * 4, Number.NaN, true);
  return copy;
}
