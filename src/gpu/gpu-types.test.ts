// Every type the CPU quantizes has a GPU quantization kernel and a GPU decoder, and the ids the
// decoders switch on come from the TS lists: a new type without a GPU kernel fails here.
import { describe, expect, it } from 'vitest';
import { GGML_TYPE_NAMES } from '../core/ggml-type.ts';
import { cpuRowQuantizer } from '../core/quant/cpu-quantizer.ts';
import { GPU_IQ_TYPES, GPU_QUANT_TYPES, isGpuIqType, isGpuQuantType } from './gpu-types.ts';
import { IQ_KERNELS } from './iq-variants.ts';
import { typeKernel } from './quant-variants.ts';
import { dequantShape } from './dequant-variants.ts';
import { WGSL_FILES, wgslModule } from './wgsl-modules.ts';

/** Types the CPU writes with no GPU kernel, and why. */
const CPU_ONLY: Readonly<Record<string, string>> = {
  F32: 'a plain copy of the values: nothing to compute',
};

describe('GPU type coverage', () => {
  const cpuTypes = GGML_TYPE_NAMES.filter((type) => cpuRowQuantizer.supports(type) && !(type in CPU_ONLY));

  it.each(cpuTypes)('%s has a GPU quantization kernel', (type) => {
    if (isGpuIqType(type)) expect(IQ_KERNELS[type].path in WGSL_FILES).toBe(true);
    else if (isGpuQuantType(type)) expect(typeKernel(type).family).toBeTruthy();
    else expect.fail(`${type}: the CPU quantizes it but src/gpu/gpu-types.ts lists no GPU kernel`);
  });

  it.each(cpuTypes)('%s has a GPU dequantization case', (type) => {
    const [prefix, path] = isGpuIqType(type) ? ['IQD_', 'quant/iq-dequant.wgsl'] : ['DQ_', 'quant/dequant.wgsl'];
    // The generated const lines are not in the file, so any mention of the id is a decoder's.
    expect(WGSL_FILES[path]).toMatch(new RegExp(`\\b${prefix}${type}\\b`));
  });

  it('the types are in exactly one list', () => {
    expect(GPU_QUANT_TYPES.filter((type) => isGpuIqType(type))).toEqual([]);
    expect(GPU_IQ_TYPES.filter((type) => isGpuQuantType(type))).toEqual([]);
  });
});

describe('generated type ids', () => {
  const idsOf = (source: string, prefix: string) =>
    Object.fromEntries([...source.matchAll(new RegExp(`const ${prefix}(\\w+): u32 = (\\d+)u;`, 'g'))].map((m) => [m[1], Number(m[2])]));

  it('dequant.wgsl gets each DQ_ id as the TYPE its pipeline passes', () => {
    const ids = idsOf(wgslModule('generated/dequant-types.wgsl')!, 'DQ_');
    for (const type of GPU_QUANT_TYPES) expect(ids[type], type).toBe(dequantShape(type).constants['TYPE']);
    expect(Object.keys(ids)).toHaveLength(GPU_QUANT_TYPES.length);
  });

  it('iq-dequant.wgsl gets one IQD_ id per i-quant, in list order', () => {
    const ids = idsOf(wgslModule('generated/iq-dequant-types.wgsl')!, 'IQD_');
    expect(ids).toEqual(Object.fromEntries(GPU_IQ_TYPES.map((type, i) => [type, i])));
  });
});
