// llama-quantize --include-weights / --exclude-weights: keep only the imatrix entries whose
// names contain one of the given strings, or drop those that do. An imatrix left empty is no
// imatrix at all (llama-quantize then quantizes, and labels the file, as without one).
import type { ImportanceMatrix } from './imatrix-types.ts';

export function filterImatrix(imatrix: ImportanceMatrix, include: readonly string[], exclude: readonly string[]): ImportanceMatrix | null {
  if (include.length && exclude.length) throw new Error('--include-weights and --exclude-weights cannot be used together');
  const keep = (name: string) => (include.length ? include.some((s) => name.includes(s)) : !exclude.some((s) => name.includes(s)));
  const entries = new Map([...imatrix.entries].filter(([name]) => keep(name)));
  return entries.size ? { ...imatrix, entries } : null;
}
