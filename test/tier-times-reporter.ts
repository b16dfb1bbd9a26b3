// A vitest reporter that prints, at the end of a run, how long each tier's test files took
// (summed over the two workers, so the sum of the tiers is about twice the wall time): the
// figures the test suite's budget is kept by.
import type { Reporter, TestModule } from 'vitest/node';

export default class TierTimesReporter implements Reporter {
  onTestRunEnd(modules: readonly TestModule[]): void {
    const sums = new Map<string, { seconds: number; files: number }>();
    for (const m of modules) {
      const tier = m.project.name || 'tests';
      const s = sums.get(tier) ?? { seconds: 0, files: 0 };
      s.seconds += m.diagnostic().duration / 1000;
      s.files++;
      sums.set(tier, s);
    }
    const line = [...sums].map(([tier, s]) => `${tier} ${s.seconds.toFixed(0)} s (${s.files} files)`).join(', ');
    process.stdout.write(`\ntest-file time per tier, summed over workers: ${line}\n`);
  }
}
