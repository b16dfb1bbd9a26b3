#!/usr/bin/env node
// `npm test`: typecheck, unit and integration tests (vitest, with WebGPU on Dawn), the production
// build, then the end-to-end tests in Chromium. Sets up the WebGPU environment the GPU tests need:
// on machines without a GPU, Dawn runs on SwiftShader, the CPU Vulkan driver in Debian's chromium.
import { spawnSync } from 'node:child_process';
import { webgpuEnv } from './webgpu-env.mjs';

const env = webgpuEnv();

const steps = [
  ['typecheck', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']],
  ['unit and integration tests', 'npx', ['vitest', 'run', ...process.argv.slice(2)]],
  ['production build', 'npx', ['vite', 'build', '--logLevel', 'warn']],
  ['end-to-end tests (Chromium)', 'node', ['e2e/run.mjs']],
];

const failed = [];
let passed = 0;
for (const [name, command, args] of steps) {
  process.stdout.write(`\n== ${name}: ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit', env });
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
if (failed.length) process.stdout.write(`\nfailed: ${failed.join(', ')}\n`);
process.stdout.write(`\nsteps: ${passed} passed, ${failed.length} failed\n`);
process.exit(failed.length ? 1 : 0);
