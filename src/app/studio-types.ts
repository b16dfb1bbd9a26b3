// The types the studio offers as a base type and in the per-tensor menu, best quality first.
import type { GgmlTypeName } from '../core/ggml-type.ts';

export const STUDIO_TYPES = ['F32', 'F16', 'BF16', 'Q8_0', 'Q5_1', 'Q5_0', 'Q4_1', 'Q4_0'] as const satisfies readonly GgmlTypeName[];

export type StudioTypeName = (typeof STUDIO_TYPES)[number];

export function isStudioType(name: string): name is StudioTypeName {
  return (STUDIO_TYPES as readonly string[]).includes(name);
}
