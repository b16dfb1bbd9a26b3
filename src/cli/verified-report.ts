// What the whole-recipe check and its local search decided at a size, as plan and compare report it on stderr.
import { refinedSummary, verifiedOrigin, type AllocationObjective, type VerifiedAllocation } from '../core/dynamic/verified-allocation.ts';
import { clearProgressLine } from './progress.ts';

/** The search's line and, where the recipe is not the size's own allocation, where it came from; `at` prefixes both. */
export function reportVerified(v: VerifiedAllocation, objective: AllocationObjective, at = ''): void {
  const searched = refinedSummary(v);
  if (searched) process.stderr.write(`${clearProgressLine()}${at}${searched}\n`);
  const origin = verifiedOrigin(v);
  if (origin) {
    process.stderr.write(`${at}${origin} measured better whole (${objective === 'tail' ? '99th-percentile ' : ''}KL ${v.measuredKld.toExponential(3)} against ${v.own.measuredKld.toExponential(3)}): it is used\n`);
  }
}
