// The GPU export equals the CPU export for the i-quants (gpu-vs-cpu.ts).
import { COMPARED_TYPES, describeGpuVsCpu } from './gpu-vs-cpu.ts';

describeGpuVsCpu(COMPARED_TYPES.filter((t) => t.startsWith('IQ')));
