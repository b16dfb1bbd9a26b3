import { defineConfig } from 'vitest/config';
import SlowestFirstSequencer from './test/slowest-first-sequencer.ts';

// Unit, integration and conformance tests run in Node. GPU tests use Dawn (the `webgpu` package),
// on SwiftShader where there is no GPU: scripts/test.mjs sets the environment it needs
// (scripts/webgpu-env.mjs). llama.cpp's tools are built once before the tests (test/global-setup.ts).
//
// The tests come in tiers (vitest projects; scripts/test.mjs runs them, README says which when):
// - unit: pure code, parsers, the app's logic, the CLI's contract, fuzzing (seconds to a minute);
// - llama: bytes and numbers against llama.cpp's own tools (llama-quantize, -imatrix, -perplexity)
//   and node-llama-cpp;
// - archs: the same for every architecture family on generated models (conversion, forward,
//   imatrix, mixes), too slow for the everyday loop;
// - gpu: the WGSL kernels and the GPU forward pass on Dawn (slow on SwiftShader);
// - evidence: the dynamic recipes' quality measured by llama.cpp on small models (the slowest).
// The end-to-end tests in Chromium (e2e/) are the sixth tier.
const TIERS = {
  llama: [
    'test/conformance/!(gpu-)*.test.ts', 'test/integration/!(arch-)*.test.ts', 'test/imatrix/**/*.test.ts', 'test/eval/**/*.test.ts',
    'test/forward/**/*.test.ts', 'test/dynamic/sensitivity.test.ts', 'test/dynamic/recipe-llama-quantize.test.ts',
  ],
  archs: ['test/integration/arch-*.test.ts'],
  gpu: ['test/gpu/**/*.test.ts', 'test/gpu-forward/**/*.test.ts', 'test/conformance/gpu-*.test.ts'],
  evidence: ['test/dynamic/dynamic-vs-mixes*.test.ts', 'test/dynamic/plan-threads.test.ts', 'test/dynamic/fast-sensitivity.test.ts'],
};
const ALL = ['src/**/*.test.ts', 'test/**/*.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    sequence: { sequencer: SlowestFirstSequencer },
    projects: [
      { extends: true, test: { name: 'unit', include: ALL, exclude: Object.values(TIERS).flat() } },
      ...Object.entries(TIERS).map(([name, include]) => ({ extends: true as const, test: { name, include } })),
    ],
  },
});
