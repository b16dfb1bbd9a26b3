// Every WGSL module by its path under shaders/ (the paths `//! include` lines name), plus the
// modules generated from TS tables under generated/. Node's CLI has no import.meta.glob, so each
// file is imported here once; test/gpu/wgsl-modules.test.ts checks none is missing.
import { composeWgslModules } from './wgsl-compose.ts';
import { wgslTypeIdConsts } from './wgsl-type-ids.ts';
import { GPU_IQ_TYPES, GPU_QUANT_TYPES } from './gpu-types.ts';
import { mxfp4Log2TableWgsl } from './mxfp4-log2-table.ts';
import commonByteReader from '../../shaders/common/byte-reader.wgsl?raw';
import commonByteWriter from '../../shaders/common/byte-writer.wgsl?raw';
import commonDequantBindings from '../../shaders/common/dequant-bindings.wgsl?raw';
import commonFloat16 from '../../shaders/common/float16.wgsl?raw';
import commonQuantBindings from '../../shaders/common/quant-bindings.wgsl?raw';
import commonSoftfloat from '../../shaders/common/softfloat.wgsl?raw';
import forwardAttention from '../../shaders/forward/attention.wgsl?raw';
import forwardGlu from '../../shaders/forward/glu.wgsl?raw';
import forwardImatrix from '../../shaders/forward/imatrix.wgsl?raw';
import forwardEnableF16 from '../../shaders/forward/enable-f16.wgsl?raw';
import forwardLogSoftmaxKl from '../../shaders/forward/log-softmax-kl.wgsl?raw';
import forwardMatmul from '../../shaders/forward/matmul.wgsl?raw';
import forwardMatmulF16 from '../../shaders/forward/matmul-f16.wgsl?raw';
import forwardMatmulIo from '../../shaders/forward/matmul-io.wgsl?raw';
import forwardMoeGather from '../../shaders/forward/moe-gather.wgsl?raw';
import forwardMoeScatter from '../../shaders/forward/moe-scatter.wgsl?raw';
import forwardMoeSum from '../../shaders/forward/moe-sum.wgsl?raw';
import forwardShortConv from '../../shaders/forward/short-conv.wgsl?raw';
import forwardMamba2Conv from '../../shaders/forward/mamba2-conv.wgsl?raw';
import forwardMamba2Scan from '../../shaders/forward/mamba2-scan.wgsl?raw';
import forwardRmsNorm from '../../shaders/forward/rms-norm.wgsl?raw';
import forwardRope from '../../shaders/forward/rope.wgsl?raw';
import forwardWeightRead from '../../shaders/forward/weight-read.wgsl?raw';
import quantDequant from '../../shaders/quant/dequant.wgsl?raw';
import quantF16Bf16 from '../../shaders/quant/f16-bf16.wgsl?raw';
import quantIqDequant from '../../shaders/quant/iq-dequant.wgsl?raw';
import quantIqSearch from '../../shaders/quant/iq-search.wgsl?raw';
import quantIq1Common from '../../shaders/quant/iq1-common.wgsl?raw';
import quantIq1M from '../../shaders/quant/iq1_m.wgsl?raw';
import quantIq1S from '../../shaders/quant/iq1_s.wgsl?raw';
import quantIq2S from '../../shaders/quant/iq2_s.wgsl?raw';
import quantIq2Xs from '../../shaders/quant/iq2_xs.wgsl?raw';
import quantIq2Xxs from '../../shaders/quant/iq2_xxs.wgsl?raw';
import quantIq3S from '../../shaders/quant/iq3_s.wgsl?raw';
import quantIq3Xxs from '../../shaders/quant/iq3_xxs.wgsl?raw';
import quantIq4 from '../../shaders/quant/iq4.wgsl?raw';
import quantFp4Codes from '../../shaders/quant/fp4-codes.wgsl?raw';
import quantKquantSearch from '../../shaders/quant/kquant-search.wgsl?raw';
import quantLegacy from '../../shaders/quant/legacy.wgsl?raw';
import quantLowBit from '../../shaders/quant/low-bit.wgsl?raw';
import quantMxfp4 from '../../shaders/quant/mxfp4.wgsl?raw';
import quantNvfp4 from '../../shaders/quant/nvfp4.wgsl?raw';
import quantQ2K from '../../shaders/quant/q2_k.wgsl?raw';
import quantQ3K from '../../shaders/quant/q3_k.wgsl?raw';
import quantQ4KQ5K from '../../shaders/quant/q4_k-q5_k.wgsl?raw';
import quantQ6K from '../../shaders/quant/q6_k.wgsl?raw';
import quantQ80 from '../../shaders/quant/q8_0.wgsl?raw';
import quantRowSigma from '../../shaders/quant/row-sigma.wgsl?raw';
import quantSearchQkx3 from '../../shaders/quant/search-qkx3.wgsl?raw';
import quantSearchQx from '../../shaders/quant/search-qx.wgsl?raw';
import quantTq from '../../shaders/quant/tq.wgsl?raw';

/** The files of shaders/, by path. */
export const WGSL_FILES: Readonly<Record<string, string>> = {
  'common/byte-reader.wgsl': commonByteReader,
  'common/byte-writer.wgsl': commonByteWriter,
  'common/dequant-bindings.wgsl': commonDequantBindings,
  'common/float16.wgsl': commonFloat16,
  'common/quant-bindings.wgsl': commonQuantBindings,
  'common/softfloat.wgsl': commonSoftfloat,
  'forward/attention.wgsl': forwardAttention,
  'forward/glu.wgsl': forwardGlu,
  'forward/imatrix.wgsl': forwardImatrix,
  'forward/enable-f16.wgsl': forwardEnableF16,
  'forward/log-softmax-kl.wgsl': forwardLogSoftmaxKl,
  'forward/matmul.wgsl': forwardMatmul,
  'forward/matmul-f16.wgsl': forwardMatmulF16,
  'forward/matmul-io.wgsl': forwardMatmulIo,
  'forward/moe-gather.wgsl': forwardMoeGather,
  'forward/moe-scatter.wgsl': forwardMoeScatter,
  'forward/moe-sum.wgsl': forwardMoeSum,
  'forward/short-conv.wgsl': forwardShortConv,
  'forward/mamba2-conv.wgsl': forwardMamba2Conv,
  'forward/mamba2-scan.wgsl': forwardMamba2Scan,
  'forward/rms-norm.wgsl': forwardRmsNorm,
  'forward/rope.wgsl': forwardRope,
  'forward/weight-read.wgsl': forwardWeightRead,
  'quant/dequant.wgsl': quantDequant,
  'quant/f16-bf16.wgsl': quantF16Bf16,
  'quant/iq-dequant.wgsl': quantIqDequant,
  'quant/iq-search.wgsl': quantIqSearch,
  'quant/iq1-common.wgsl': quantIq1Common,
  'quant/iq1_m.wgsl': quantIq1M,
  'quant/iq1_s.wgsl': quantIq1S,
  'quant/iq2_s.wgsl': quantIq2S,
  'quant/iq2_xs.wgsl': quantIq2Xs,
  'quant/iq2_xxs.wgsl': quantIq2Xxs,
  'quant/iq3_s.wgsl': quantIq3S,
  'quant/iq3_xxs.wgsl': quantIq3Xxs,
  'quant/fp4-codes.wgsl': quantFp4Codes,
  'quant/iq4.wgsl': quantIq4,
  'quant/kquant-search.wgsl': quantKquantSearch,
  'quant/legacy.wgsl': quantLegacy,
  'quant/low-bit.wgsl': quantLowBit,
  'quant/mxfp4.wgsl': quantMxfp4,
  'quant/nvfp4.wgsl': quantNvfp4,
  'quant/q2_k.wgsl': quantQ2K,
  'quant/q3_k.wgsl': quantQ3K,
  'quant/q4_k-q5_k.wgsl': quantQ4KQ5K,
  'quant/q6_k.wgsl': quantQ6K,
  'quant/q8_0.wgsl': quantQ80,
  'quant/row-sigma.wgsl': quantRowSigma,
  'quant/search-qkx3.wgsl': quantSearchQkx3,
  'quant/search-qx.wgsl': quantSearchQx,
  'quant/tq.wgsl': quantTq,
};

const GENERATED: Readonly<Record<string, () => string>> = {
  'generated/dequant-types.wgsl': () => wgslTypeIdConsts('DQ_', GPU_QUANT_TYPES),
  'generated/iq-dequant-types.wgsl': () => wgslTypeIdConsts('IQD_', GPU_IQ_TYPES),
  'generated/mxfp4-log2-table.wgsl': mxfp4Log2TableWgsl,
};

/** A module's text by path (a file of shaders/ or a generated module), or undefined. */
export function wgslModule(path: string): string | undefined {
  return WGSL_FILES[path] ?? GENERATED[path]?.();
}

/** The kernel at `path` with everything it includes: the code of one shader module. */
export function composeWgsl(path: string): string {
  return composeWgslModules(path, wgslModule);
}

/** A source that is not under shaders/ (a test probe) with the modules it includes. */
export function composeWgslSource(name: string, text: string): string {
  return composeWgslModules(name, wgslModule, text);
}
