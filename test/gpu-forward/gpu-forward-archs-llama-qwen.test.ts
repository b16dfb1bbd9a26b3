// GPU forward = CPU reference on generated llama3 (rope_freqs), qwen2 (biases), qwen3 (q/k norms).
import { ARCH_CASES, describeArchComparison } from './arch-comparison.ts';

describeArchComparison(ARCH_CASES.filter((c) => !c.arch.startsWith('gemma')));
