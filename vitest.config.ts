import { defineConfig } from 'vitest/config';

// Unit and integration tests run in Node. GPU tests use Dawn (the `webgpu` package) on
// SwiftShader; see test/gpu-env.ts for the environment they need.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
