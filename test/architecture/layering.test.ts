// The layers of DESIGN.md, held by a test: a lower layer never imports a higher one. core is pure
// (no DOM, GPU, Node or UI packages); gpu and io build on core; workers own the GPU; app never
// touches the GPU and sees workers only as types; ui reaches the GPU only through app.
// Test files are exempt (a test may set up what it checks from any layer).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.ts';
import { importsOf, SRC, sourceFiles, type Import } from './source-imports.ts';

/** Layer -> the layers it may import at run time, and those it may import only as types. */
const ALLOWED: Record<string, { value: string[]; typeOnly?: string[] }> = {
  core: { value: ['core'] },
  io: { value: ['io', 'core'] },
  gpu: { value: ['gpu', 'core', 'shaders'] },
  workers: { value: ['workers', 'gpu', 'io', 'core', 'shaders'] },
  app: { value: ['app', 'io', 'core', 'package.json'], typeOnly: ['workers'] },
  ui: { value: ['ui', 'app', 'core'], typeOnly: ['workers', 'io'] },
  cli: { value: ['cli', 'io', 'gpu', 'core'], typeOnly: ['workers'] },
};
/** Packages only some layers may use: the core runs anywhere, so none of these is allowed there. */
const PACKAGES: Record<string, RegExp> = {
  core: /^(?!react|react-dom|zustand|recharts|comlink|webgpu|node:|vitest)/,
  gpu: /^(?!react|react-dom|zustand|recharts)/,
  io: /^(?!react|react-dom|zustand|recharts)/,
  workers: /^(?!react|react-dom|zustand|recharts)/,
  app: /^(?!webgpu|node:)/,
};

/** src/<layer>/… -> layer; anything outside src by its first folder (shaders, package.json). */
function layerOf(file: string): string {
  const fromSrc = path.relative(SRC, file);
  if (!fromSrc.startsWith('..')) return fromSrc.split(path.sep)[0]!;
  return path.relative(REPO_ROOT, file).split(path.sep)[0]!;
}

const files = sourceFiles(SRC);

/** What is wrong with these imports of `file`: layers above it, and packages its layer must not use. */
function violationsOf(file: string, imports: readonly Import[]): string[] {
  const layer = layerOf(file);
  const rules = ALLOWED[layer];
  const packages = PACKAGES[layer];
  // *.node.ts files are the Node-only side of a layer (file sinks, worker threads): Node's modules are theirs.
  const nodeOnly = /\.node\.tsx?$/.test(file);
  const out: string[] = [];
  for (const imp of imports) {
    if (imp.target.startsWith('.')) {
      if (!rules) continue;
      const target = layerOf(path.resolve(path.dirname(file), imp.target.replace(/\?raw$/, '')));
      const ok = rules.value.includes(target) || (imp.typeOnly && rules.typeOnly?.includes(target));
      if (!ok) out.push(`${path.relative(REPO_ROOT, file)} (${layer}) imports ${imp.target} (${target}${imp.typeOnly ? ', types' : ''})`);
    } else if (packages && !imp.typeOnly && !packages.test(imp.target) && !(nodeOnly && imp.target.startsWith('node:'))) {
      out.push(`${path.relative(REPO_ROOT, file)} (${layer}) imports the package ${imp.target}`);
    }
  }
  return out;
}

describe('layering', () => {
  it('finds the layers and their imports (the scan itself works)', () => {
    const layers = new Set(files.map(layerOf));
    for (const l of Object.keys(ALLOWED)) expect(layers.has(l), `src/${l}`).toBe(true);
    expect(files.flatMap(importsOf).length).toBeGreaterThan(500);
  });

  it('no layer imports a layer above it, nor a package that is not its own', () => {
    expect(files.flatMap((file) => violationsOf(file, importsOf(file)))).toEqual([]);
  });

  it('would catch a violation: core importing the app or React, app importing a worker at run time', () => {
    const core = path.join(SRC, 'core/x.ts');
    expect(violationsOf(core, [{ from: core, target: '../app/store.ts', typeOnly: false }, { from: core, target: 'react', typeOnly: false }])).toHaveLength(2);
    const app = path.join(SRC, 'app/x.ts');
    expect(violationsOf(app, [{ from: app, target: '../workers/dynamic.worker.ts', typeOnly: true }])).toEqual([]);
    expect(violationsOf(app, [{ from: app, target: '../workers/dynamic.worker.ts', typeOnly: false }])).toHaveLength(1);
    expect(violationsOf(app, [{ from: app, target: '../gpu/device.ts', typeOnly: true }])).toHaveLength(1);
  });
});
