// npm run fuzz [-- --cases N] [--seed S] [--target NAME] [--case I] [--parallel P]
// Runs every parser against generated hostile inputs and prints a table of outcomes per parser;
// exits non-zero on any defect (raw error, hang, unbounded memory, accepted but wrong).
// Default: the long run, 8,000 cases per target (over 100,000 in all).
import { parseArgs } from 'node:util';
import { FUZZ_TARGETS } from './targets/index.ts';
import { defectCount, formatReport, runFuzz } from './run-fuzz.ts';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '8000' }, seed: { type: 'string', default: '1' }, target: { type: 'string', multiple: true },
    case: { type: 'string' }, parallel: { type: 'string', default: '2' }, 'hang-ms': { type: 'string', default: '5000' },
  },
});
const targets = values.target?.length ? values.target : FUZZ_TARGETS.map((t) => t.name);
const unknown = targets.filter((t) => !FUZZ_TARGETS.some((f) => f.name === t));
if (unknown.length) {
  process.stderr.write(`fuzz: unknown target ${JSON.stringify(unknown[0])} (targets: ${FUZZ_TARGETS.map((t) => t.name).join(', ')})\n`);
  process.exit(2);
}
const started = performance.now();
const reports = await runFuzz({
  targets, ...(values.case !== undefined ? { first: Number(values.case), cases: 1 } : { cases: Number(values.cases) }), seed: Number(values.seed), parallel: Number(values.parallel), hangMs: Number(values['hang-ms']),
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${formatReport(reports)}\n`);
for (const r of reports) for (const e of r.examples) process.stdout.write(`  ${r.target} #${e.index} ${e.outcome}: ${e.detail}\n`);
const defects = defectCount(reports);
process.stdout.write(`\nseed ${values.seed}, ${(performance.now() - started) / 1000 | 0} s: ${defects} defect${defects === 1 ? '' : 's'}\n`);
process.exit(defects ? 1 : 0);
