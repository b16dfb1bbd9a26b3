// Import cycles in the source tree, found statically (Tarjan's strongly connected components over
// the relative imports). A cycle means no module of it can be read, tested or loaded without the
// others, and its evaluation order decides which of them sees the others' bindings undefined.
import path from 'node:path';
import { REPO_ROOT } from '../helpers/paths.ts';
import { importsOf, resolvedTarget, sourceFiles } from './source-imports.ts';

export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** File -> the source files it imports (relative imports only; type-only ones too, when asked). */
export function importGraph(dir: string, { types }: { types: boolean }): ImportGraph {
  const files = sourceFiles(dir);
  const known = new Set(files);
  return new Map(files.map((file) => [file, importsOf(file)
    .filter((imp) => imp.target.startsWith('.') && (types || !imp.typeOnly))
    .map(resolvedTarget)
    .filter((target) => known.has(target))]));
}

/** Every group of files that import each other in a circle, each sorted, as repo-relative paths. */
export function importCycles(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== node);
    const selfImport = graph.get(node)?.includes(node) ?? false;
    if (group.length > 1 || selfImport) cycles.push(group.map((f) => path.relative(REPO_ROOT, f)).sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}
