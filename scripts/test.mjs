#!/usr/bin/env node
// The test runner, in tiers (vitest projects, see vitest.config.ts; the three e2e tiers are groups
// of e2e/run.mjs):
// - `npm test`: typecheck, the unit and llama tiers in one vitest run (both workers share them),
//   the production build, and the everyday end-to-end tests in Chromium. The everyday loop, about
//   16 minutes on two cores (unit + llama about 510 s with llama.cpp's tools built, e2e 404 s).
// - `npm run test:all` (--all; what CI runs): the same, then the e2e-more tier (the rest of the
//   studio in Chromium: other architectures, the Hub and publishing, ...), the e2e-size tier, the
//   archs tier (every architecture family against llama.cpp on generated models), the gpu tier (the
//   WGSL kernels byte for byte on Dawn, slow on SwiftShader) and the evidence tier (the dynamic
//   recipes' quality measured by llama.cpp).
// - `node scripts/test.mjs --tier NAME`: one tier (the build comes with e2e).
// Other arguments go to vitest. Sets the WebGPU environment the GPU tests need: on machines without
// a GPU, Dawn runs on SwiftShader, the CPU Vulkan driver in Debian's chromium. Prints each step's
// wall time, and the time each tier's files took (test/tier-times-reporter.ts).
import { spawnSync } from 'node:child_process';
import { webgpuEnv } from './webgpu-env.mjs';

const TIERS = ['unit', 'llama', 'archs', 'gpu', 'evidence', 'e2e', 'e2e-more', 'e2e-size'];
const args = process.argv.slice(2);
const tierAt = args.indexOf('--tier');
const tier = tierAt >= 0 ? args[tierAt + 1] : null;
if (tierAt >= 0 && !TIERS.includes(tier ?? '')) {
  process.stderr.write(`--tier takes one of ${TIERS.join(', ')}\n`);
  process.exit(2);
}
const all = args.includes('--all');
const vitestArgs = args.filter((a, i) => a !== '--all' && (tierAt < 0 || (i !== tierAt && i !== tierAt + 1)));

const vitest = (tiers) => [`vitest (${tiers.join(', ')})`, 'npx', [
  'vitest', 'run', ...tiers.flatMap((t) => ['--project', t]), '--reporter=default', '--reporter=./test/tier-times-reporter.ts', ...vitestArgs,
]];
const build = ['production build', 'npx', ['vite', 'build', '--logLevel', 'warn']];
/** The e2e tiers: each a group of e2e/run.mjs, after the build. */
const E2E = {
  e2e: ['end-to-end tests (Chromium)', 'node', ['e2e/run.mjs']],
  'e2e-more': ['the rest of the end-to-end tests (Chromium)', 'node', ['e2e/run.mjs', '--more']],
  'e2e-size': ['end-to-end tests at real size (Chromium)', 'node', ['e2e/run.mjs', '--size']],
};
const typecheck = ['typecheck', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']];

const steps = tier && tier in E2E ? [typecheck, build, E2E[tier]]
  : tier ? [typecheck, vitest([tier])]
  : [typecheck, vitest(['unit', 'llama']), build, E2E.e2e, ...(all ? [E2E['e2e-more'], E2E['e2e-size'], vitest(['archs']), vitest(['gpu']), vitest(['evidence'])] : [])];

const env = webgpuEnv();
const failed = [];
const times = [];
let passed = 0;
for (const [name, command, stepArgs] of steps) {
  process.stdout.write(`\n== ${name}: ${command} ${stepArgs.join(' ')}\n`);
  const started = performance.now();
  const result = spawnSync(command, stepArgs, { stdio: 'inherit', env });
  times.push(`${name}: ${((performance.now() - started) / 1000).toFixed(0)} s`);
  if (result.status !== 0) {
    failed.push(name);
    // The build feeds the e2e tests; without it they cannot run.
    if (name === build[0]) {
      failed.push(`${tier === 'e2e-size' ? e2eSize[0] : e2e[0]}: not run without a build`);
      break;
    }
  } else {
    passed++;
  }
}
process.stdout.write(`\nwall time: ${times.join(', ')}\n`);
if (failed.length) process.stdout.write(`\nfailed: ${failed.join(', ')}\n`);
process.stdout.write(`\nsteps: ${passed} passed, ${failed.length} failed\n`);
process.exit(failed.length ? 1 : 0);
