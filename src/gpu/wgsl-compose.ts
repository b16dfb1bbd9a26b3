// WGSL has no #include: a kernel's source is its shared parts followed by the kernel file.
import softfloat from '../../shaders/common/softfloat.wgsl?raw';
import byteWriter from '../../shaders/common/byte-writer.wgsl?raw';
import quantBindings from '../../shaders/common/quant-bindings.wgsl?raw';

export const WGSL_COMMON = { softfloat, byteWriter, quantBindings } as const;
export type WgslCommonPart = keyof typeof WGSL_COMMON;

/** Concatenates the named common parts (in the order given) and the kernel sources. */
export function composeWgsl(parts: readonly WgslCommonPart[], ...kernel: string[]): string {
  return [...parts.map((p) => `// ---- common/${p}\n${WGSL_COMMON[p]}`), ...kernel].join('\n');
}
