// GPU forward = CPU reference on generated gemma2 and gemma3 (GeGLU, embedding scale, post norms,
// soft-capping, sliding windows).
import { ARCH_CASES, describeArchComparison } from './arch-comparison.ts';

describeArchComparison(ARCH_CASES.filter((c) => c.arch.startsWith('gemma')));
