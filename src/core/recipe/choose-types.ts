// Which ggml type each tensor gets: the base type, the user's overrides (first matching pattern
// wins, as llama-quantize's --tensor-type), then llama.cpp's fallbacks for rows whose length the
// block size does not divide. Tensors llama.cpp never quantizes (norms, biases) stay F32.
import { RE2JS } from 're2js';
import { planGgufLayout } from '../export/export-gguf.ts';
import { GGML_TYPES, isQuantizedType, rowFitsBlocks, type GgmlTypeName } from '../ggml-type.ts';
import type { ModelPlan, PlannedTensor, TensorTypes } from '../model/plan-types.ts';
import { fixedTypeOf } from '../model/fixed-type.ts';

/** A tensor-name pattern, matched anywhere in the name (std::regex_search, as llama-quantize). */
export interface TensorNamePattern {
  readonly source: string;
  test(name: string): boolean;
}

export interface TypeOverride {
  pattern: TensorNamePattern;
  type: GgmlTypeName;
}

/** A pattern longer than this is not a tensor name pattern. */
export const MAX_TENSOR_TYPE_PATTERN_LENGTH = 4096;
/** Entries in one --tensor-type-file: a recipe has one per tensor; MoE models have a few thousand. */
export const MAX_TENSOR_TYPE_ENTRIES = 65_536;

/**
 * User patterns run in RE2's linear time, never in a backtracking engine: a pattern such as
 * (.*)*(.*)*x would otherwise take exponential time on a long name. RE2 refuses what it cannot
 * match in linear time (backreferences, lookarounds); llama-quantize's patterns do not need them.
 */
export function compileTensorNamePattern(source: string, where: string): TensorNamePattern {
  if (source.length > MAX_TENSOR_TYPE_PATTERN_LENGTH) throw new Error(`${where}: the pattern is ${source.length} characters long (at most ${MAX_TENSOR_TYPE_PATTERN_LENGTH})`);
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source);
  } catch (e) {
    throw new Error(`${where}: invalid pattern (${(e as Error).message}; backreferences and lookarounds are not supported)`);
  }
  return { source, test: (name) => compiled.matcher(name).find() };
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
  Q2_0: 'Q4_0', Q2_K: 'Q4_0', Q3_K: 'Q4_0', TQ1_0: 'Q4_0', TQ2_0: 'Q4_0',
  Q4_K: 'Q5_0', Q5_K: 'Q5_1', Q6_K: 'Q8_0',
};

export function fallbackForRowLength(type: GgmlTypeName, rowLength: number): GgmlTypeName {
  if (rowFitsBlocks(type, rowLength)) return type;
  const smaller = FALLBACK[type] ?? type;
  return rowFitsBlocks(smaller, rowLength) ? smaller : 'F16';
}

/**
 * llama-quantize stops ("no tensor type fallback is defined") where rows do not fit a type wider
 * than 32 that has no fallback (Q1_0's 128, NVFP4's 64); the studio's own choices take F16 instead.
 */
export function llamaHasNoFallback(type: GgmlTypeName, rowLength: number): boolean {
  return !rowFitsBlocks(type, rowLength) && FALLBACK[type] === undefined && GGML_TYPES[type].blockSize > 32;
}

export function chooseTensorType(tensor: PlannedTensor, options: ChooseTypesOptions): GgmlTypeName {
  if (!tensor.quantizable) return fixedTypeOf(tensor);
  // A float base type is the converter's output, which keeps what the checkpoint stores quantized (gpt-oss's MXFP4 experts).
  const base = tensor.storedType && !isQuantizedType(options.baseType) ? tensor.storedType : options.baseType;
  const wanted =
    options.edits?.get(tensor.ggufName) ??
    options.overrides?.find((o) => o.pattern.test(tensor.ggufName))?.type ??
    base;
  return fallbackForRowLength(wanted, tensor.ne[0]!);
}

export function chooseTensorTypes(plan: ModelPlan, options: ChooseTypesOptions): TensorTypes {
  return new Map(plan.tensors.map((t) => [t.ggufName, chooseTensorType(t, options)]));
}

/**
 * Parses llama-quantize's `--tensor-type NAME=TYPE` (the name, up to the first "=", is a regex,
 * lower-cased). `label` says where the entry came from in errors.
 */
export function parseTypeOverride(text: string, parseType: (s: string) => GgmlTypeName | undefined, label = '--tensor-type'): TypeOverride {
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  const where = `${label} "${shown}"`;
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) throw new Error(`${where}: expected PATTERN=TYPE, e.g. "attn_v=q8_0"`);
  const typeText = text.slice(eq + 1);
  const type = parseType(typeText);
  if (!type) throw new Error(`${where}: unknown type "${typeText.slice(0, 40)}"`);
  return { pattern: compileTensorNamePattern(text.slice(0, eq).toLowerCase(), where), type };
}

/** A llama-quantize --tensor-type-file: NAME=TYPE entries separated by spaces or newlines. */
export function parseTypeOverrideFile(text: string, parseType: (s: string) => GgmlTypeName | undefined, label = '--tensor-type-file'): TypeOverride[] {
  const entries = text.split(/\s+/).filter(Boolean);
  if (entries.length > MAX_TENSOR_TYPE_ENTRIES) throw new Error(`${label}: ${entries.length} entries (at most ${MAX_TENSOR_TYPE_ENTRIES})`);
  return entries.map((entry, i) => parseTypeOverride(entry, parseType, `${label} entry ${i + 1}`));
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
