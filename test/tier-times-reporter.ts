// A vitest reporter that prints, at the end of a run, how long each tier's test files took
// (summed over the two workers, so the sum of the tiers is about twice the wall time): the
// figures the test suite's budget is kept by. It also names every test that took more than half
// of its timeout: CI's machine can be a third slower than this one, and a test that times out
// there fails a run that passed here.
import type { Reporter, TestModule } from 'vitest/node';

/** A test past this share of its timeout is named. */
const NEAR_TIMEOUT = 0.5;

export default class TierTimesReporter implements Reporter {
  onTestRunEnd(modules: readonly TestModule[]): void {
    const sums = new Map<string, { seconds: number; files: number }>();
    const near: string[] = [];
    for (const m of modules) {
      const tier = m.project.name || 'tests';
      const s = sums.get(tier) ?? { seconds: 0, files: 0 };
      s.seconds += m.diagnostic().duration / 1000;
      s.files++;
      sums.set(tier, s);
      for (const t of m.children.allTests()) {
        const duration = t.diagnostic()?.duration ?? 0;
        // The timeout is on the runner's task, which vitest's public TestCase does not expose.
        const timeout = (t as unknown as { task: { timeout: number } }).task.timeout;
        if (timeout > 0 && duration > NEAR_TIMEOUT * timeout) {
          near.push(`  ${m.moduleId.replace(`${process.cwd()}/`, '')} > ${t.fullName}: ${(duration / 1000).toFixed(0)} s of its ${(timeout / 1000).toFixed(0)} s`);
        }
      }
    }
    const line = [...sums].map(([tier, s]) => `${tier} ${s.seconds.toFixed(0)} s (${s.files} files)`).join(', ');
    process.stdout.write(`\ntest-file time per tier, summed over workers: ${line}\n`);
    if (near.length) process.stdout.write(`tests that took more than half of their timeout:\n${near.join('\n')}\n`);
  }
}
