// Which ggml type each tensor gets: the base type, the user's overrides (first matching pattern
// wins, as llama-quantize's --tensor-type), then llama.cpp's fallbacks for rows whose length the
// block size does not divide. Tensors llama.cpp never quantizes (norms, biases) stay F32.
import { planGgufLayout } from '../export/export-gguf.ts';
import { GGML_TYPES, type GgmlTypeName } from '../ggml-type.ts';
import type { ModelPlan, PlannedTensor, TensorTypes } from '../model/plan-types.ts';

export interface TypeOverride {
  pattern: RegExp;
  type: GgmlTypeName;
}

export interface ChooseTypesOptions {
  baseType: GgmlTypeName;
  overrides?: readonly TypeOverride[];
  /** Exact per-tensor choices (the studio's heatmap edits); they win over patterns. */
  edits?: ReadonlyMap<string, GgmlTypeName>;
}

/** llama.cpp's tensor_type_fallback: a 256-block type falls back to a 32-block one, then to F16. */
const FALLBACK: Partial<Record<GgmlTypeName, GgmlTypeName>> = {
  IQ1_S: 'IQ4_NL', IQ1_M: 'IQ4_NL', IQ2_XXS: 'IQ4_NL', IQ2_XS: 'IQ4_NL', IQ2_S: 'IQ4_NL',
  IQ3_XXS: 'IQ4_NL', IQ3_S: 'IQ4_NL', IQ4_XS: 'IQ4_NL',
  Q2_K: 'Q4_0', Q3_K: 'Q4_0', TQ1_0: 'Q4_0', TQ2_0: 'Q4_0',
  Q4_K: 'Q5_0', Q5_K: 'Q5_1', Q6_K: 'Q8_0',
};

export function fallbackForRowLength(type: GgmlTypeName, rowLength: number): GgmlTypeName {
  if (rowLength % GGML_TYPES[type].blockSize === 0) return type;
  const smaller = FALLBACK[type] ?? type;
  return rowLength % GGML_TYPES[smaller].blockSize === 0 ? smaller : 'F16';
}

export function chooseTensorType(tensor: PlannedTensor, options: ChooseTypesOptions): GgmlTypeName {
  if (!tensor.quantizable) return 'F32';
  const wanted =
    options.edits?.get(tensor.ggufName) ??
    options.overrides?.find((o) => o.pattern.test(tensor.ggufName))?.type ??
    options.baseType;
  return fallbackForRowLength(wanted, tensor.ne[0]!);
}

export function chooseTensorTypes(plan: ModelPlan, options: ChooseTypesOptions): TensorTypes {
  return new Map(plan.tensors.map((t) => [t.ggufName, chooseTensorType(t, options)]));
}

/** Parses llama-quantize's `--tensor-type NAME=TYPE` (the name, up to the first "=", is a regex, lower-cased). */
export function parseTypeOverride(text: string, parseType: (s: string) => GgmlTypeName | undefined): TypeOverride {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) {
    throw new Error(`--tensor-type "${text}": expected PATTERN=TYPE, e.g. "attn_v=q8_0"`);
  }
  const source = text.slice(0, eq).toLowerCase();
  const type = parseType(text.slice(eq + 1));
  if (!type) throw new Error(`--tensor-type "${text}": unknown type "${text.slice(eq + 1)}"`);
  let pattern: RegExp;
  try {
    pattern = new RegExp(source);
  } catch (e) {
    throw new Error(`--tensor-type "${text}": invalid pattern (${(e as Error).message})`);
  }
  return { pattern, type };
}

/** A llama-quantize --tensor-type-file: NAME=TYPE entries separated by spaces or newlines. */
export function parseTypeOverrideFile(text: string, parseType: (s: string) => GgmlTypeName | undefined): TypeOverride[] {
  return text.split(/\s+/).filter(Boolean).map((entry) => parseTypeOverride(entry, parseType));
}

export interface SizeSummary {
  /** The whole GGUF file: header, tensors and padding. */
  totalBytes: number;
  /** Tensor data bits per weight, over every tensor (llama.cpp's "BPW"). */
  bitsPerWeight: number;
}

/** The exported file's size for these choices, computed without reading a weight. */
export function fileTypeSummary(plan: ModelPlan, types: TensorTypes): SizeSummary {
  const layout = planGgufLayout(plan, types);
  const elements = plan.tensors.reduce((sum, t) => sum + t.ne.reduce((a, b) => a * b, 1), 0);
  const dataBytes = layout.tensorSizes.reduce((a, b) => a + b, 0);
  return { totalBytes: layout.totalBytes, bitsPerWeight: elements ? (dataBytes * 8) / elements : 0 };
}
