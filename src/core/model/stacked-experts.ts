// A MoE layer's projection of every expert as the converter's one 3-D tensor (torch.stack: expert
// outermost), from one 2-D source per expert: separate safetensors tensors (Qwen, OLMoE) or byte
// ranges of one fused tensor (Granite MoE's gate/up halves).
import { isDecodableDtype } from '../safetensors/decode.ts';
import { isQuantizableTensor } from './llama-tensor-names.ts';
import type { PlannedTensor, SourceTensor, TensorRole } from './plan-types.ts';

export interface StackedTensorArgs {
  ggufName: string;
  role: TensorRole;
  layer: number;
  /** The label of the whole: the HF name with `*` for the expert. */
  name: string;
  /** Expert e's 2-D source at e; all of one dtype and shape. */
  parts: SourceTensor[];
}

export function stackedTensor({ ggufName, role, layer, name, parts }: StackedTensorArgs): PlannedTensor {
  const first = parts[0]!;
  for (const p of parts) {
    if (p.dtype !== first.dtype || p.shape.join() !== first.shape.join() || p.shape.length !== 2) {
      throw new Error(`${p.file}: tensor "${p.name}" is ${p.dtype} [${p.shape.join(', ')}], but "${first.name}" is ${first.dtype} [${first.shape.join(', ')}]: experts stack only when all are 2-D and alike`);
    }
  }
  if (!isDecodableDtype(first.dtype)) {
    throw new Error(`${first.file}: tensor "${first.name}" has dtype ${first.dtype}; only float tensors (F32, F16, BF16, F64) can be converted`);
  }
  const shape = [parts.length, ...first.shape];
  const ne = [...shape].reverse();
  return {
    ggufName, hfName: name, role, layer, ne,
    source: { kind: 'stacked', file: first.file, name, dtype: first.dtype, shape, parts },
    transform: { kind: 'none' },
    quantizable: isQuantizableTensor(ggufName, ne),
  };
}
