#!/usr/bin/env node
// Runs a command with the WebGPU environment (see webgpu-env.mjs): `node scripts/with-webgpu-env.mjs tsx bench/run.ts`.
import { spawnSync } from 'node:child_process';
import { webgpuEnv } from './webgpu-env.mjs';

const [command, ...args] = process.argv.slice(2);
const result = spawnSync(command, args, { stdio: 'inherit', env: webgpuEnv(), shell: false });
process.exit(result.status ?? 1);
