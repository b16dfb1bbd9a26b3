// Runs the GPU throughput measurement (test/gpu/*.measure.ts), which the normal test run skips:
//   VK_ICD_FILENAMES=... LD_LIBRARY_PATH=... XDG_RUNTIME_DIR=/tmp \
//   npx vitest run --config test/gpu/measure.vitest.config.ts
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/gpu/*.measure.ts'],
    testTimeout: 1_800_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
