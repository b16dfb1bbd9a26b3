// One planned tensor's values as float32, in GGUF layout: read just its byte range, decode,
// apply the converter's transform.
import type { ModelFiles } from '../bytes-io.ts';
import { decodeToF32, type F32 } from '../safetensors/decode.ts';
import type { PlannedTensor } from './plan-types.ts';

export async function readTensorF32(t: PlannedTensor, files: ModelFiles): Promise<F32> {
  const source = files.open(t.source.file);
  if (!source) throw new Error(`${t.source.file}: missing from ${files.label} (needed for tensor "${t.hfName}")`);
  const bytes = await source.read(t.source.offset, t.source.byteLength);
  const values = decodeToF32(bytes, t.source.dtype, `${t.source.file}: tensor "${t.hfName}"`);
  switch (t.transform.kind) {
    case 'none': return values;
    case 'permute-qk': return permuteQk(values, t.source.shape, t.transform.heads, t.hfName);
  }
}

/**
 * W.reshape(heads, 2, rows/heads/2, cols).swapaxes(1, 2).reshape(rows, cols): within each head,
 * row (half h, index i) moves to row 2i + h, turning rotate-half pairs into adjacent pairs.
 */
export function permuteQk(values: Float32Array, shape: readonly number[], heads: number, what = 'tensor'): F32 {
  const rows = shape[0] ?? 1;
  const cols = values.length / rows;
  if (rows % (2 * heads) !== 0 || !Number.isInteger(cols)) {
    throw new Error(`${what}: ${rows} rows cannot be split into ${heads} heads of rotary pairs`);
  }
  const half = rows / heads / 2;
  const out = new Float32Array(values.length);
  for (let h = 0; h < heads; h++) {
    for (let part = 0; part < 2; part++) {
      for (let i = 0; i < half; i++) {
        const from = (h * 2 + part) * half + i;
        const to = h * 2 * half + i * 2 + part;
        out.set(values.subarray(from * cols, (from + 1) * cols), to * cols);
      }
    }
  }
  return out;
}
