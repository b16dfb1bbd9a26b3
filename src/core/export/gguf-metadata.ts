// The final metadata of an exported file: the plan's keys, then general.quantization_version and
// general.file_type last, in that order — where llama-quantize puts them (it re-sets both, and
// setting a GGUF key moves it to the end). Our files then have llama-quantize's KV order whether
// we quantize from the safetensors directly or llama-quantize re-quantizes our F16/BF16 export.
import type { GgufKv } from '../gguf/gguf-value.ts';

/** ggml's quantization format version (GGML_QNT_VERSION). */
export const GGML_QUANTIZATION_VERSION = 2;

/**
 * `extra` (e.g. --override-kv values, the imatrix keys) follows, as llama-quantize sets its
 * overrides last: each key set in turn, a key already present moving to the end.
 */
export function exportMetadata(planMetadata: readonly GgufKv[], fileType: number, extra: readonly GgufKv[] = []): GgufKv[] {
  const out = [...planMetadata];
  const set = (kv: GgufKv) => {
    const at = out.findIndex((o) => o.key === kv.key);
    if (at >= 0) out.splice(at, 1);
    out.push(kv);
  };
  set({ key: 'general.quantization_version', value: { type: 'u32', value: GGML_QUANTIZATION_VERSION } });
  set({ key: 'general.file_type', value: { type: 'u32', value: fileType } });
  for (const kv of extra) set(kv);
  return out;
}
