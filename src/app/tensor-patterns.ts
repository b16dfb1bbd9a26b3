// Patterns the heatmap's row and column headings start an edit with: llama-quantize's
// --tensor-type regexes (searched in the GGUF name), to which the user adds "=TYPE".
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every block's tensor of this column: "blk.7.attn_q.weight" -> "^blk\.\d+\.attn_q\.weight$". */
export function columnPattern(ggufName: string): string {
  const rest = ggufName.replace(/^blk\.\d+\./, '');
  return `^blk\\.\\d+\\.${escapeRegex(rest)}$`;
}

/** Every tensor of block `layer`. */
export function rowPattern(layer: number): string {
  return `^blk\\.${layer}\\.`;
}
