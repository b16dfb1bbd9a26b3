// The committed WebAssembly modules are what their AssemblyScript sources compile to with the
// pinned compiler, and no generated module outlives its source.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildWasm, generatedPathOf, wasmEntries } from '../../scripts/build-wasm.mjs';
import { REPO_ROOT } from '../helpers/paths.ts';

async function generatedFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const item of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, item.name);
    if (item.isDirectory()) found.push(...(await generatedFiles(full)));
    else if (item.name.endsWith('.wasm.generated.ts')) found.push(full);
  }
  return found;
}

describe('WebAssembly modules', () => {
  it('every generated module is up to date with its source (else: npm run build:wasm)', async () => {
    expect(await buildWasm({ check: true })).toEqual([]);
  }, 120_000);

  it('every generated module has a source', async () => {
    const entries = await wasmEntries();
    expect(entries.length).toBeGreaterThan(0);
    const expected = entries.map(generatedPathOf).sort();
    expect((await generatedFiles(path.join(REPO_ROOT, 'src'))).sort()).toEqual(expected);
  });
});
