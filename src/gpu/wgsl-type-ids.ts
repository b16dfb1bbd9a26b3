// A kernel that switches on the type (dequant.wgsl, iq-dequant.wgsl) gets its ids from the TS
// list the TYPE override is taken from, as generated `const` lines: one source for both sides.

/** `const <PREFIX><TYPE>: u32 = <index>u;` for each type, in list order. */
export function wgslTypeIdConsts(prefix: string, types: readonly string[]): string {
  const lines = types.map((type, id) => `const ${prefix}${type}: u32 = ${id}u;`);
  return `// Generated from the TS type list (src/gpu/gpu-types.ts): the TYPE override's ids.\n${lines.join('\n')}\n`;
}

/** The TYPE override constant that selects `type` in a kernel whose ids came from `types`. */
export function wgslTypeId(types: readonly string[], type: string): number {
  const id = types.indexOf(type);
  if (id < 0) throw new Error(`wgslTypeId: ${type} is not in the kernel's type list`);
  return id;
}
