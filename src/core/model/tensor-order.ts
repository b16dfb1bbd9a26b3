// llama-quantize writes tensors in the order of its weights map (weight_name_comparer):
// by the layer parsed with sscanf("blk.%d."), -1 when there is none, then by name byte-wise.

/** sscanf("blk.%d.") semantics: optional sign and digits right after "blk.", then a dot. */
export function llamaQuantizeLayerOf(name: string): number {
  const m = /^blk\.([+-]?\d+)\./.exec(name);
  return m ? Number(m[1]) : -1;
}

/** Byte-wise (UTF-8) comparison, as std::string's operator< does. */
export function compareUtf8(a: string, b: string): number {
  const enc = new TextEncoder();
  const x = enc.encode(a);
  const y = enc.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

export function sortTensorsLikeLlamaQuantize<T extends { ggufName: string }>(tensors: readonly T[]): T[] {
  return [...tensors].sort((a, b) => {
    const la = llamaQuantizeLayerOf(a.ggufName);
    const lb = llamaQuantizeLayerOf(b.ggufName);
    return la !== lb ? la - lb : compareUtf8(a.ggufName, b.ggufName);
  });
}
