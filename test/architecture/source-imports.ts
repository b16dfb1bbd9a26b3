// The source tree's import statements, read as text (no compiler): what the architecture tests
// check. Test files are left out (a test may set up what it checks from any layer).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/paths.ts';

export const SRC = path.join(REPO_ROOT, 'src');

export interface Import { from: string; target: string; typeOnly: boolean }

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [full] : [];
  });
}

export function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) {
    out.push({ from: file, target: m[2]!, typeOnly: Boolean(m[1]) });
  }
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ from: file, target: m[1]!, typeOnly: false });
  return out;
}

/** A relative import's file, as the bundler finds it (`?raw` and the like dropped). */
export function resolvedTarget(imp: Import): string {
  return path.resolve(path.dirname(imp.from), imp.target.replace(/\?.*$/, ''));
}
