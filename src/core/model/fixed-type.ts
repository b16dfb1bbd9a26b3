// The type of a tensor that is not quantized.
import type { GgmlTypeName } from '../ggml-type.ts';
import type { PlannedTensor } from './plan-types.ts';

/**
 * What a tensor llama.cpp never quantizes (a norm, a router, a bias) is written as: F32 from a
 * checkpoint, as the converter writes it; its own type from a GGUF source, which llama-quantize
 * copies unchanged.
 */
export function fixedTypeOf(t: PlannedTensor): GgmlTypeName {
  return t.source.kind === 'gguf' ? t.source.dtype : 'F32';
}
