// llama-quantize's named file types ("mixes") and the per-tensor choice it makes for each:
// the same type for every tensor as llama.cpp's llama_tensor_get_type for the same model
// (layer bumps, GQA-dependent attn_v, output and token_embd rules, fallbacks). Our own code,
// following the rules of src/llama-quant.cpp in the llama.cpp that node-llama-cpp 3.21.1 ships.
import { GGML_TYPES, isQuantizedType, rowFitsBlocks, type GgmlTypeName } from '../ggml-type.ts';
import type { ModelPlan, PlannedTensor, TensorTypes } from '../model/plan-types.ts';
import { fallbackForRowLength, llamaHasNoFallback, type TypeOverride } from './choose-types.ts';
import { llamaQuantizeRefusesWithoutImatrix } from './llama-quantize-imatrix.ts';
import { MIX_NAMES, type MixName } from './mix-names.ts';
import { fixedTypeOf } from '../model/fixed-type.ts';


interface MixInfo {
  /** llama_ftype, written as general.file_type. */
  ftype: number;
  /** llama_ftype_get_default_type. */
  defaultType: GgmlTypeName;
}

export const MIXES: Record<MixName, MixInfo> = {
  F32: { ftype: 0, defaultType: 'F32' }, F16: { ftype: 1, defaultType: 'F16' }, BF16: { ftype: 32, defaultType: 'BF16' },
  Q8_0: { ftype: 7, defaultType: 'Q8_0' }, Q6_K: { ftype: 18, defaultType: 'Q6_K' },
  Q5_K_M: { ftype: 17, defaultType: 'Q5_K' }, Q5_K_S: { ftype: 16, defaultType: 'Q5_K' },
  Q5_1: { ftype: 9, defaultType: 'Q5_1' }, Q5_0: { ftype: 8, defaultType: 'Q5_0' },
  Q4_K_M: { ftype: 15, defaultType: 'Q4_K' }, Q4_K_S: { ftype: 14, defaultType: 'Q4_K' },
  Q4_1: { ftype: 3, defaultType: 'Q4_1' }, Q4_0: { ftype: 2, defaultType: 'Q4_0' },
  IQ4_NL: { ftype: 25, defaultType: 'IQ4_NL' }, IQ4_XS: { ftype: 30, defaultType: 'IQ4_XS' },
  Q3_K_L: { ftype: 13, defaultType: 'Q3_K' }, Q3_K_M: { ftype: 12, defaultType: 'Q3_K' }, Q3_K_S: { ftype: 11, defaultType: 'Q3_K' },
  IQ3_M: { ftype: 27, defaultType: 'IQ3_S' }, IQ3_S: { ftype: 26, defaultType: 'IQ3_S' },
  IQ3_XS: { ftype: 22, defaultType: 'IQ3_S' }, IQ3_XXS: { ftype: 23, defaultType: 'IQ3_XXS' },
  Q2_K: { ftype: 10, defaultType: 'Q2_K' }, Q2_K_S: { ftype: 21, defaultType: 'Q2_K' },
  IQ2_M: { ftype: 29, defaultType: 'IQ2_S' }, IQ2_S: { ftype: 28, defaultType: 'IQ2_XS' },
  IQ2_XS: { ftype: 20, defaultType: 'IQ2_XS' }, IQ2_XXS: { ftype: 19, defaultType: 'IQ2_XXS' },
  IQ1_M: { ftype: 31, defaultType: 'IQ1_M' }, IQ1_S: { ftype: 24, defaultType: 'IQ1_S' },
  TQ2_0: { ftype: 37, defaultType: 'TQ2_0' }, TQ1_0: { ftype: 36, defaultType: 'TQ1_0' },
  MXFP4_MOE: { ftype: 38, defaultType: 'MXFP4' },
  Q2_0: { ftype: 41, defaultType: 'Q2_0' }, Q1_0: { ftype: 40, defaultType: 'Q1_0' },
};

/** llama-quantize's aliases: Q3_K, Q4_K and Q5_K mean the _M mixes. */
const ALIASES: Record<string, MixName> = { Q3_K: 'Q3_K_M', Q4_K: 'Q4_K_M', Q5_K: 'Q5_K_M' };

export function parseMixName(text: string): MixName | undefined {
  const upper = text.trim().toUpperCase();
  if (upper in ALIASES) return ALIASES[upper];
  return (MIX_NAMES as readonly string[]).includes(upper) ? (upper as MixName) : undefined;
}

export interface MixOptions {
  mix: MixName;
  hasImatrix: boolean;
  /** --pure: the default type everywhere (no bumps), overrides and fallbacks still apply. */
  pure?: boolean;
  /** --tensor-type, first match wins (only when the mix's default type is quantized, as llama.cpp). */
  overrides?: readonly TypeOverride[];
  outputTensorType?: GgmlTypeName;
  tokenEmbeddingType?: GgmlTypeName;
  /** --leave-output-tensor: output.weight keeps the unquantized type. */
  leaveOutputTensor?: boolean;
  /** The type of a tensor that is not quantized (what our F16/BF16/F32 export writes). */
  unquantizedType?: GgmlTypeName;
  /**
   * A dry run (llama-quantize --dry-run) plans a mix that needs an imatrix without one and warns
   * afterwards; every other caller refuses it at the first such tensor.
   */
  allowMissingImatrix?: boolean;
}

type Category = 'output' | 'token_embd' | 'attn_qkv' | 'attn_kv_b' | 'attn_v' | 'attn_k' | 'attn_q' | 'attn_output' | 'ffn_up' | 'ffn_gate' | 'ffn_down' | 'other';

function categoryOf(name: string): Category {
  if (name === 'output.weight') return 'output';
  if (name === 'token_embd.weight' || name === 'per_layer_token_embd.weight') return 'token_embd';
  for (const c of ['attn_qkv', 'attn_kv_b', 'attn_v', 'attn_k', 'attn_q', 'attn_output'] as const) {
    if (name.includes(`${c}.weight`)) return c;
  }
  for (const c of ['ffn_up', 'ffn_gate', 'ffn_down'] as const) if (name.includes(c)) return c;
  return 'other';
}

const isAttnV = (c: Category) => c === 'attn_v' || c === 'attn_qkv' || c === 'attn_kv_b';

/**
 * A hyperparameter as llama.cpp's hparams give it without a layer: a count stored per layer
 * (Granite 4.0's and LFM2's head_count_kv) is layer 0's, as n_head_kv() and n_gqa() read it.
 */
function metaNumber(plan: ModelPlan, suffix: string, fallback: number): number {
  const value = plan.metadata.find((m) => m.key === `${plan.architecture}.${suffix}`)?.value.value;
  const first = Array.isArray(value) || ArrayBuffer.isView(value) ? (value as ArrayLike<number>)[0] : value;
  return typeof first === 'number' ? first : fallback;
}

/** The model facts llama-quantize's rules read (hparams). */
interface ModelFacts {
  nLayer: number;
  nGqa: number;
  nExpert: number;
  is70B: boolean;
  isFalcon: boolean;
}

function modelFacts(plan: ModelPlan): ModelFacts {
  const nHead = metaNumber(plan, 'attention.head_count', 1);
  // 0 where layer 0 has no attention (an LFM2 convolution layer): n_gqa() is then 0.
  const nHeadKv = metaNumber(plan, 'attention.head_count_kv', nHead);
  const nLayer = metaNumber(plan, 'block_count', plan.layerCount);
  return {
    nLayer,
    nGqa: nHeadKv ? Math.floor(nHead / nHeadKv) : 0,
    nExpert: Math.max(1, metaNumber(plan, 'expert_count', 0)),
    // llama.cpp types an 80-layer Llama with grouped KV heads as 70B.
    is70B: plan.architecture === 'llama' && nLayer === 80 && nHead !== nHeadKv,
    isFalcon: plan.architecture === 'falcon',
  };
}

const useMoreBits = (i: number, n: number) => i < Math.floor(n / 8) || i >= Math.floor((7 * n) / 8) || (i - Math.floor(n / 8)) % 3 === 2;

/** tensor_allows_quantization for the tensors our plans contain. */
export function mixAllowsQuantization(t: PlannedTensor, leaveOutputTensor: boolean): boolean {
  return t.quantizable && !(leaveOutputTensor && t.ggufName === 'output.weight');
}

const IQ1_IQ2_MIXES = new Set<MixName>(['IQ2_XXS', 'IQ2_XS', 'IQ1_S', 'IQ2_S', 'IQ2_M', 'IQ1_M']);

/** The mix's standard rule for one tensor (llama_tensor_get_type_impl), advancing the counters. */
class MixRules {
  private iAttentionWv = 0;
  private iFfnDown = 0;
  private iFfnGate = 0;
  private iFfnUp = 0;
  readonly nAttentionWv: number;
  readonly hasTiedEmbeddings: boolean;

  constructor(
    private readonly mix: MixName,
    private readonly facts: ModelFacts,
    private readonly options: MixOptions,
    names: readonly string[],
  ) {
    this.nAttentionWv = names.filter((n) => isAttnV(categoryOf(n))).length;
    this.hasTiedEmbeddings = !names.includes('output.weight');
  }

  private layerOf(counter: number, name: string): number {
    if (this.facts.nExpert <= 1) return counter;
    const m = /^blk\.(\d+)\./.exec(name);
    if (!m) throw new Error(`cannot determine the layer of tensor "${name}"`);
    return Number(m[1]);
  }

  choose(t: PlannedTensor, type: GgmlTypeName): GgmlTypeName {
    const { mix, facts, options } = this;
    const name = t.ggufName;
    const category = categoryOf(name);
    const n = facts.nLayer;
    const gqa4 = facts.nGqa >= 4;

    if (category === 'output' || (this.hasTiedEmbeddings && category === 'token_embd')) {
      if (options.outputTensorType) return options.outputTensorType;
      if (mix === 'MXFP4_MOE' || !rowFitsBlocks(type, t.ne[0]!) || facts.isFalcon) return 'Q8_0';
      if (['IQ2_XXS', 'IQ2_XS', 'IQ3_XXS', 'IQ1_S', 'IQ2_S', 'IQ2_M', 'IQ1_M'].includes(mix)) return 'Q5_K';
      return type !== 'Q8_0' ? 'Q6_K' : type;
    }
    if (mix === 'MXFP4_MOE') return (t.ne[2] ?? 1) > 1 ? 'MXFP4' : 'Q8_0';
    if (category === 'token_embd') {
      if (options.tokenEmbeddingType) return options.tokenEmbeddingType;
      if (['IQ2_XXS', 'IQ2_XS', 'IQ1_S', 'IQ1_M'].includes(mix)) return 'Q2_K';
      if (['IQ2_S', 'IQ2_M', 'IQ3_XXS'].includes(mix)) return 'IQ3_S';
      if (mix === 'TQ1_0' || mix === 'TQ2_0' || mix === 'Q2_0') return 'Q4_K';
      return type;
    }
    if (IQ1_IQ2_MIXES.has(mix)) {
      const iq2sm = mix === 'IQ2_S' || mix === 'IQ2_M';
      if (isAttnV(category)) {
        this.iAttentionWv++;
        return gqa4 || facts.nExpert >= 4 ? 'Q4_K' : iq2sm ? 'IQ3_S' : 'Q2_K';
      }
      if (facts.nExpert === 8 && category === 'attn_k') return 'Q4_K';
      if (category === 'ffn_down') {
        const i = this.iFfnDown++;
        return i < Math.floor(n / 8) ? (iq2sm ? 'IQ3_S' : 'Q2_K') : type;
      }
      if (category === 'attn_output') {
        if (facts.nExpert === 8) return 'Q5_K';
        if (mix === 'IQ1_S' || mix === 'IQ1_M') return 'IQ2_XXS';
        if (iq2sm) return 'IQ3_S';
      }
      return type;
    }
    // attn_qkv counts as attn_v here, as in llama.cpp (its own attn_qkv rule is never reached).
    if (isAttnV(category)) {
      const i = this.iAttentionWv++;
      let t2 = type;
      if (mix === 'Q2_K') t2 = gqa4 ? 'Q4_K' : 'Q3_K';
      else if (mix === 'Q2_K_S' && gqa4) t2 = 'Q4_K';
      else if (mix === 'IQ3_XXS') t2 = gqa4 ? 'Q4_K' : !options.hasImatrix ? 'IQ3_S' : 'IQ3_XXS';
      else if ((mix === 'IQ3_XS' || mix === 'IQ3_S') && gqa4) t2 = 'Q4_K';
      else if (mix === 'IQ3_M') t2 = 'Q4_K';
      else if (mix === 'Q3_K_M') t2 = i < 2 ? 'Q5_K' : 'Q4_K';
      else if (mix === 'Q3_K_L') t2 = 'Q5_K';
      else if ((mix === 'IQ4_NL' || mix === 'IQ4_XS') && gqa4) t2 = 'Q5_K';
      else if ((mix === 'Q4_K_M' || mix === 'Q5_K_M') && useMoreBits(i, this.nAttentionWv)) t2 = 'Q6_K';
      else if (mix === 'Q4_K_S' && i < 4) t2 = 'Q5_K';
      if (facts.is70B && (t2 === 'Q3_K' || t2 === 'Q4_K')) t2 = 'Q5_K';
      if (facts.nExpert === 8) t2 = 'Q8_0';
      return t2;
    }
    if (category === 'attn_k') {
      if (facts.nExpert === 8) return 'Q8_0';
      if (mix === 'IQ3_XS') return 'IQ3_XXS';
      if (mix === 'IQ3_XXS') return 'IQ2_S';
      return type;
    }
    if (category === 'attn_q') {
      if (mix === 'IQ3_XS') return 'IQ3_XXS';
      if (mix === 'IQ3_XXS') return 'IQ2_S';
      return type;
    }
    if (category === 'ffn_down') {
      const i = this.layerOf(this.iFfnDown++, name);
      const first8 = i < Math.floor(n / 8);
      if (mix === 'Q2_K') return 'Q3_K';
      if (mix === 'Q2_K_S') return first8 ? 'Q4_K' : type;
      if (mix === 'IQ3_XXS' && !options.hasImatrix) return first8 ? 'Q4_K' : 'Q3_K';
      if (mix === 'Q3_K_M') return i < Math.floor(n / 16) ? 'Q5_K' : !facts.isFalcon || useMoreBits(i, n) ? 'Q4_K' : 'Q3_K';
      if (mix === 'IQ3_M') return first8 || (facts.nExpert === 8 && useMoreBits(i, n)) ? 'Q4_K' : type;
      if (mix === 'Q3_K_L') return facts.isFalcon ? 'Q4_K' : 'Q5_K';
      if (mix === 'Q4_K_M') {
        if (facts.isFalcon) return i < Math.floor(n / 16) ? 'Q6_K' : useMoreBits(i, n) ? 'Q5_K' : 'Q4_K';
        return useMoreBits(i, n) ? 'Q6_K' : type;
      }
      if (first8 && (mix === 'IQ4_NL' || mix === 'IQ4_XS') && !options.hasImatrix) return 'Q5_K';
      if (mix === 'Q5_K_M' && useMoreBits(i, n)) return 'Q6_K';
      if (mix === 'Q4_K_S' && !facts.isFalcon && first8) return 'Q5_K';
      if ((mix === 'Q4_0' || mix === 'Q5_0') && options.hasImatrix && first8) return mix === 'Q4_0' ? 'Q4_1' : 'Q5_1';
      return type;
    }
    if (category === 'attn_output') {
      if (!facts.isFalcon) {
        if (facts.nExpert === 8) {
          const bumped: MixName[] = ['Q2_K', 'IQ3_XS', 'IQ3_XXS', 'Q3_K_S', 'Q3_K_M', 'IQ4_NL', 'Q4_K_S', 'Q4_K_M', 'IQ3_S', 'IQ3_M', 'IQ4_XS'];
          return bumped.includes(mix) ? 'Q5_K' : type;
        }
        if (mix === 'Q2_K') return 'Q3_K';
        if (mix === 'IQ3_XXS') return 'IQ3_S';
        if (mix === 'Q3_K_M' || mix === 'IQ3_M') return 'Q4_K';
        if (mix === 'Q3_K_L') return 'Q5_K';
      } else if (mix === 'Q3_K_L') {
        return 'Q4_K';
      }
      return type;
    }
    if (category === 'ffn_gate' || category === 'ffn_up') {
      const i = this.layerOf(category === 'ffn_gate' ? this.iFfnGate++ : this.iFfnUp++, name);
      if (mix === 'IQ3_XS' && i >= Math.floor(n / 8) && i < Math.floor((7 * n) / 8)) return 'IQ3_XXS';
      return type;
    }
    return type;
  }
}

/** Every tensor's type under a llama-quantize mix, in the plan's (llama-quantize's) order. */
export function chooseMixTypes(plan: ModelPlan, options: MixOptions): TensorTypes {
  const { mix } = options;
  const defaultType = MIXES[mix].defaultType;
  const unquantized = options.unquantizedType ?? 'F16';
  const rules = new MixRules(mix, modelFacts(plan), options, plan.tensors.map((t) => t.ggufName));
  const types: TensorTypes = new Map();
  for (const t of plan.tensors) {
    if (!mixAllowsQuantization(t, options.leaveOutputTensor ?? false)) {
      // From a GGUF, llama-quantize keeps what it does not quantize in the file's own type.
      types.set(t.ggufName, t.source.kind === 'gguf' ? t.source.dtype : t.quantizable ? unquantized : fixedTypeOf(t));
      continue;
    }
    const category = categoryOf(t.ggufName);
    let type: GgmlTypeName;
    if (options.tokenEmbeddingType && category === 'token_embd') type = options.tokenEmbeddingType;
    else if (options.outputTensorType && category === 'output') type = options.outputTensorType;
    // A float mix is the converter's output: it writes what the checkpoint stores quantized (gpt-oss's
    // MXFP4 experts) as it is. (llama-quantize asked for F16 would widen a GGUF's MXFP4 tensors;
    // from a checkpoint, the converter is the reference.)
    else if (!isQuantizedType(defaultType)) type = t.storedType ?? defaultType;
    else {
      const manual = options.overrides?.find((o) => o.pattern.test(t.ggufName));
      type = manual ? manual.type : options.pure ? defaultType : rules.choose(t, defaultType);
      if (llamaHasNoFallback(type, t.ne[0]!)) {
        throw new Error(
          `tensor "${t.ggufName}": its rows of ${t.ne[0]} values are not whole ${type} blocks of ${GGML_TYPES[type].blockSize}, ` +
            `and llama.cpp has no fallback type for ${type} (llama-quantize stops there too). Choose another type for it (--tensor-type).`,
        );
      }
      type = fallbackForRowLength(type, t.ne[0]!);
    }
    if (!options.hasImatrix && !options.allowMissingImatrix && llamaQuantizeRefusesWithoutImatrix(t.ggufName, type, mix)) {
      throw new Error(
        `tensor "${t.ggufName}": ${type} needs an importance matrix (imatrix), and ${mix} makes it ${type}; llama.cpp ` +
          `only produces ${type} with one. Give an imatrix (--imatrix), or choose another type.`,
      );
    }
    types.set(t.ggufName, type);
  }
  return types;
}
