// WGSL has no #include, so each .wgsl file names what it needs in header lines of the form
//   //! include common/softfloat.wgsl
// (paths relative to shaders/). Composing a file puts every file it reaches first, each once,
// dependencies before dependants (WGSL does not care about declaration order, but a reader of
// the composed source and a compiler error's line number do).

/** The text of a module by its path, or undefined when there is no such module. */
export type WgslLookup = (path: string) => string | undefined;

const INCLUDE = /^\/\/!\s*include\s+(\S+)\s*$/;

/** The paths a module's header declares, in order. */
export function wgslIncludes(text: string): string[] {
  const paths: string[] = [];
  for (const line of text.split('\n')) {
    const match = INCLUDE.exec(line.trim());
    if (match) paths.push(match[1]!);
  }
  return paths;
}

/**
 * The source of `root` with everything it includes, transitively, each module once. Throws on a
 * missing module (naming who includes it) and on a cycle (naming its chain).
 */
export function composeWgslModules(root: string, lookup: WgslLookup, rootText = lookup(root)): string {
  if (rootText === undefined) throw new Error(`composeWgsl: no WGSL module ${root}`);
  const parts: string[] = [];
  const done = new Set<string>();
  const visit = (path: string, text: string, chain: readonly string[]): void => {
    for (const include of wgslIncludes(text)) {
      if (done.has(include)) continue;
      if (chain.includes(include)) throw new Error(`composeWgsl: include cycle ${[...chain, include].join(' -> ')}`);
      const included = lookup(include);
      if (included === undefined) throw new Error(`composeWgsl: ${path} includes ${include}, which does not exist`);
      visit(include, included, [...chain, include]);
    }
    done.add(path);
    parts.push(`// ---- ${path}\n${text}`);
  };
  visit(root, rootText, [root]);
  return parts.join('\n');
}
