#!/usr/bin/env node
// `npm test`: typecheck, the vitest tiers (unit, llama, gpu, evidence; see vitest.config.ts) in one
// run so that both workers share them, the production build, then the end-to-end tests in
// Chromium. `node scripts/test.mjs --tier NAME` runs one tier (e2e included), and any other
// arguments go to vitest. Sets up the WebGPU environment the GPU tests need: on machines without
// a GPU, Dawn runs on SwiftShader, the CPU Vulkan driver in Debian's chromium. Prints each step's
// wall time, and the time each tier's files took (test/tier-times-reporter.ts).
import { spawnSync } from 'node:child_process';
import { webgpuEnv } from './webgpu-env.mjs';

const TIERS = ['unit', 'llama', 'gpu', 'evidence', 'e2e'];
const args = process.argv.slice(2);
const tierAt = args.indexOf('--tier');
const tier = tierAt >= 0 ? args[tierAt + 1] : null;
if (tierAt >= 0 && !TIERS.includes(tier ?? '')) {
  process.stderr.write(`--tier takes one of ${TIERS.join(', ')}\n`);
  process.exit(2);
}
const vitestArgs = tierAt >= 0 ? [...args.slice(0, tierAt), ...args.slice(tierAt + 2)] : args;

const env = webgpuEnv();

const steps = [
  ['typecheck', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']],
  ...(tier === 'e2e' ? [] : [['vitest' + (tier ? ` (${tier})` : ' (unit, llama, gpu, evidence)'), 'npx', [
    'vitest', 'run', ...(tier ? ['--project', tier] : []), '--reporter=default', '--reporter=./test/tier-times-reporter.ts', ...vitestArgs,
  ]]]),
  ...(tier && tier !== 'e2e' ? [] : [
    ['production build', 'npx', ['vite', 'build', '--logLevel', 'warn']],
    ['end-to-end tests (Chromium)', 'node', ['e2e/run.mjs']],
  ]),
];

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
    if (name === 'production build') {
      failed.push('end-to-end tests (Chromium): not run without a build');
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
