import { defineConfig } from 'vitest/config';

// Unit, integration and conformance tests run in Node. GPU tests use Dawn (the `webgpu` package),
// on SwiftShader where there is no GPU: scripts/test.mjs sets the environment it needs
// (scripts/webgpu-env.mjs). llama.cpp's tools are built once before the tests (test/global-setup.ts).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
