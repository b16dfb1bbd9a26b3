// The final metadata of an exported file: the plan's keys plus general.file_type and
// general.quantization_version, placed where llama.cpp's converter writes them (after the
// architecture's keys, before the tokenizer's).
import type { GgufKv } from '../gguf/gguf-value.ts';

/** ggml's quantization format version (GGML_QNT_VERSION); files with quantized blocks carry it. */
export const GGML_QUANTIZATION_VERSION = 2;

export function exportMetadata(planMetadata: readonly GgufKv[], fileType: number): GgufKv[] {
  const added: GgufKv[] = [
    { key: 'general.file_type', value: { type: 'u32', value: fileType } },
    { key: 'general.quantization_version', value: { type: 'u32', value: GGML_QUANTIZATION_VERSION } },
  ];
  const rest = planMetadata.filter((kv) => !added.some((a) => a.key === kv.key));
  const firstTokenizer = rest.findIndex((kv) => kv.key.startsWith('tokenizer.'));
  const at = firstTokenizer < 0 ? rest.length : firstTokenizer;
  return [...rest.slice(0, at), ...added, ...rest.slice(at)];
}
