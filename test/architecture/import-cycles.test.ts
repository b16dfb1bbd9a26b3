// No module of src/ imports itself back through others (type-only imports count too: a circle of
// types is still a circle of modules nobody can read alone). app/ had five action modules in one
// circle; they now reach each other only downward, through open-model.ts and small pure modules.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph } from './import-cycles.ts';
import { SRC } from './source-imports.ts';

describe('import cycles', () => {
  it('finds the import graph (the scan itself works)', () => {
    const graph = importGraph(SRC, { types: true });
    expect(graph.size).toBeGreaterThan(200);
    const openModel = graph.get(path.join(SRC, 'app/open-model.ts'));
    expect(openModel).toContain(path.join(SRC, 'app/calibration-actions.ts'));
  });

  it('src/ has none, type-only imports included', () => {
    expect(importCycles(importGraph(SRC, { types: true }))).toEqual([]);
  });

  it('would catch one: a circle of three, a pair, and a file importing itself', () => {
    const graph = new Map([
      ['/r/a.ts', ['/r/b.ts']], ['/r/b.ts', ['/r/c.ts']], ['/r/c.ts', ['/r/a.ts', '/r/d.ts']],
      ['/r/d.ts', []], ['/r/e.ts', ['/r/f.ts']], ['/r/f.ts', ['/r/e.ts']], ['/r/g.ts', ['/r/g.ts']],
    ]);
    const cycles = importCycles(graph).map((c) => c.map((f) => path.basename(f)));
    expect(cycles.sort()).toEqual([['a.ts', 'b.ts', 'c.ts'], ['e.ts', 'f.ts'], ['g.ts']]);
  });
});
