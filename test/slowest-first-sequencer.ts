// The order test files start in. vitest runs the longest files first when its cache of durations
// is at hand, but a fresh checkout (CI) has none, and then it goes by file size, which puts the
// slow suites that are split over small files (random-rows-*.test.ts) last, where one of them runs
// alone at the end. These files, the slowest of their tiers on two cores, start first.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export const SLOWEST_FIRST = [
  // evidence
  'test/dynamic/dynamic-vs-mixes.test.ts', 'test/dynamic/dynamic-vs-mixes-generated.test.ts', 'test/dynamic/dynamic-vs-mixes-moe.test.ts',
  // archs
  'test/integration/arch-mixes-llama-cpp.test.ts', 'test/integration/arch-llama-cpp.test.ts', 'test/integration/arch-forward-llama-cpp-dense.test.ts',
  // gpu
  'test/conformance/gpu-vs-cpu-iq.test.ts', 'test/conformance/gpu-vs-cpu-blocks.test.ts',
  'test/gpu/gpu-quantizer-golden.test.ts', 'test/gpu/iq-quantizer-golden.test.ts',
  'test/gpu-forward/gpu-forward-archs-gemma.test.ts', 'test/gpu-forward/gpu-forward-archs-llama-qwen.test.ts',
  // llama
  'test/conformance/random-rows-iq.test.ts', 'test/conformance/random-rows-blocks.test.ts', 'test/conformance/edge-rows-iq.test.ts',
  'test/conformance/whole-files.test.ts', 'test/conformance/mix-type-tables.test.ts', 'test/integration/requantize-gguf.test.ts',
  'test/integration/npm-package.test.ts',
  // unit
  'test/hub/cli-push.test.ts', 'test/fuzz/fuzz-binary.test.ts', 'test/fuzz/fuzz-text.test.ts', 'test/hub/cli-hub.test.ts', 'test/cli/cli.test.ts',
];

export default class SlowestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = SLOWEST_FIRST.findIndex((slow) => f.moduleId.endsWith(slow));
      return i < 0 ? SLOWEST_FIRST.length : i;
    };
    // Stable: within the rest, vitest's own order (cached durations, else size).
    return sorted.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map(({ f }) => f);
  }
}
