// The quick mode of the fuzzing suite for `npm test`: a few thousand seeded cases per target,
// each test file taking a share of the targets so that vitest's two workers split the time.
// `npm run fuzz` is the long run (see main.ts). QUANT_STUDIO_FUZZ_CASES changes the count.
import { expect } from 'vitest';
import { DEFECTS } from './fuzz-types.ts';
import { formatReport, runFuzz, type TargetReport } from './run-fuzz.ts';

export const QUICK_CASES = Number(process.env.QUANT_STUDIO_FUZZ_CASES ?? 2000);

/** Cases per target; `share` scales the count for targets whose cases are slow (a whole CLI run each). */
export function quickCases(share = 1): number {
  return Math.max(1, Math.round(QUICK_CASES * share));
}

export function quickFuzz(targets: readonly string[], cases: number): Promise<TargetReport[]> {
  return runFuzz({ targets, cases, seed: 20261202 });
}

/** Every case accepted or refused cleanly, and every target both accepted and refused some. */
export function expectNoDefects(reports: readonly TargetReport[]): void {
  const table = formatReport(reports);
  for (const r of reports) {
    const examples = r.examples.map((e) => `  #${e.index} ${e.outcome}: ${e.detail}`).join('\n');
    for (const defect of DEFECTS) expect(r.counts[defect], `${r.target}: ${defect}\n${table}\n${examples}`).toBe(0);
    // A generator that never gets past the first check, or never trips one, tests nothing.
    expect(r.counts.accepted, `${r.target} accepted no case\n${table}`).toBeGreaterThan(0);
    expect(r.counts['clean error'], `${r.target} refused no case\n${table}`).toBeGreaterThan(0);
  }
}
