// GGUF metadata -> ForwardHparams. Reads the same keys llama.cpp's loader reads, so a plan's
// metadata (before export) and an exported GGUF give the same forward.
import type { GgufKv } from '../gguf/gguf-value.ts';
import { architectureTraits } from './architectures.ts';
import type { ForwardHparams } from './forward-types.ts';

export type MetadataLookup = (key: string) => unknown;

export function lookupFromKvs(kvs: readonly GgufKv[]): MetadataLookup {
  const byKey = new Map(kvs.map((kv) => [kv.key, kv.value.value]));
  return (key) => byKey.get(key);
}

export function lookupFromRecord(metadata: Record<string, unknown>): MetadataLookup {
  return (key) => metadata[key];
}

const nonZero = (v: number | undefined): number | null => (v === undefined || v === 0 ? null : v);

/** A count llama.cpp may store per layer (Granite 4.0 and LFM2 write head_count_kv as a list): one value per layer. */
function perLayer(v: unknown, key: string, layers: number, what: string): number[] | undefined {
  if (v === undefined) return undefined;
  const list = ArrayBuffer.isView(v) || Array.isArray(v);
  const values = list ? Array.from(v as ArrayLike<number | bigint>, Number) : [typeof v === 'bigint' ? Number(v) : v];
  if (values.length === 0 || values.some((x) => typeof x !== 'number' || !Number.isFinite(x))) throw new Error(`${what}: metadata "${key}" is not a number or a list of numbers`);
  if (list && values.length !== layers) throw new Error(`${what}: metadata "${key}" has ${values.length} values for ${layers} layers`);
  return list ? (values as number[]) : new Array<number>(layers).fill(values[0] as number);
}

/**
 * head_count_kv: the KV heads of the attention layers, which must agree (layers that differ are
 * not something the forward runs), and the layers without any (0: LFM2's convolution layers).
 */
function kvHeadsPerLayer(get: MetadataLookup, architecture: string, layers: number, recurrent: boolean, what: string) {
  const key = `${architecture}.attention.head_count_kv`;
  const values = perLayer(get(key), key, layers, what);
  if (!values) return { headCountKv: undefined, convLayers: null };
  const attention = values.filter((x) => x !== 0);
  if (attention.some((x) => x !== attention[0])) throw new Error(`${what}: metadata "${key}" differs between layers (${values.join(', ')}), which the forward does not run`);
  if (attention.length < values.length && !recurrent) throw new Error(`${what}: metadata "${key}" is 0 for some layers (${values.join(', ')}), which ${architecture} does not have`);
  if (attention.length === 0) throw new Error(`${what}: metadata "${key}" is 0 for every layer: there is no attention layer`);
  return { headCountKv: attention[0], recurrentLayers: recurrent ? values.map((x) => x === 0) : null };
}

const fround = Math.fround;

/**
 * YaRN as llama.cpp's context sets it up (llama_context's constructor): ext_factor 1, beta_fast 32
 * and beta_slow 1 (llama.cpp's defaults: its loader reads no yarn_* key of the file, so neither do
 * we), and an attention factor of mscale(factor) / (1 + 0.1·ln factor), times the file's
 * rope.scaling.attn_factor: ggml's rope_yarn multiplies by (1 + 0.1·ln factor) again, so the net
 * magnitude is mscale(factor), in float as llama.cpp computes it.
 */
function yarnRope(yarn: boolean, freqScale: number, attnFactor: number): Pick<ForwardHparams, 'ropeYarn' | 'ropeAttnFactor'> {
  if (!yarn) return { ropeYarn: null, ropeAttnFactor: attnFactor };
  const factor = fround(1 / freqScale);
  const tenth = fround(0.1);
  const logFactor = fround(Math.log(factor));
  const mscale = factor <= 1 ? 1 : fround(fround(tenth * logFactor) + 1);
  const cancel = fround(1 / fround(1 + fround(tenth * logFactor)));
  return { ropeYarn: { extFactor: 1, betaFast: 32, betaSlow: 1 }, ropeAttnFactor: fround(fround(mscale * cancel) * attnFactor) };
}

export function readForwardHparams(get: MetadataLookup, vocabSize: number, what: string): ForwardHparams {
  const architecture = get('general.architecture');
  if (typeof architecture !== 'string') throw new Error(`${what}: metadata has no general.architecture`);
  const traits = architectureTraits(architecture);
  const num = (key: string): number | undefined => {
    const v = get(`${architecture}.${key}`);
    if (v === undefined) return undefined;
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) throw new Error(`${what}: metadata "${architecture}.${key}" is not a number`);
    return n;
  };
  const required = (key: string): number => {
    const v = num(key);
    if (v === undefined || v <= 0) throw new Error(`${what}: metadata "${architecture}.${key}" is missing`);
    return v;
  };
  const layerCount = required('block_count');
  const embedding = required('embedding_length');
  const headCount = required('attention.head_count');
  const kvHeads = kvHeadsPerLayer(get, architecture, layerCount, (traits.shortConv ?? false) || (traits.mamba2 ?? false), what);
  const headCountKv = kvHeads.headCountKv ?? headCount;
  const headDimK = num('attention.key_length') ?? embedding / headCount;
  const headDimV = num('attention.value_length') ?? embedding / headCount;
  if (!Number.isInteger(headDimK) || headCount % headCountKv !== 0) {
    throw new Error(`${what}: ${headCount} heads / ${headCountKv} KV heads of ${headDimK} dims do not fit ${embedding} embeddings`);
  }
  const scalingType = get(`${architecture}.rope.scaling.type`);
  if (scalingType !== undefined && scalingType !== 'none' && scalingType !== 'linear' && scalingType !== 'yarn') {
    throw new Error(`${what}: rope scaling "${String(scalingType)}" is not supported by the forward (none, linear, yarn)`);
  }
  const scalingFactor = num('rope.scaling.factor');
  const ropeFreqScale = (scalingType === 'linear' || scalingType === 'yarn') && scalingFactor ? Math.fround(1 / scalingFactor) : 1;
  const ropeAttnFactor = nonZero(num('rope.scaling.attn_factor')) ?? 1;
  const window = num('attention.sliding_window') ?? null;
  const logitScale = nonZero(num('logit_scale'));
  let experts: ForwardHparams['experts'] = null;
  if (traits.experts && !(traits.expertsOptional && !num('expert_count'))) {
    const count = required('expert_count');
    const used = required('expert_used_count');
    if (used > count) throw new Error(`${what}: metadata "${architecture}.expert_used_count" ${used} is more than expert_count ${count}`);
    experts = { count, used, ...traits.experts };
  }
  let shortConv: ForwardHparams['shortConv'] = null;
  if (traits.shortConv) {
    const taps = required('shortconv.l_cache');
    shortConv = { taps, layers: kvHeads.recurrentLayers ?? new Array<boolean>(layerCount).fill(false) };
  }
  let ssm: ForwardHparams['ssm'] = null;
  if (traits.mamba2) {
    ssm = {
      inner: required('ssm.inner_size'), stateSize: required('ssm.state_size'), groups: required('ssm.group_count'),
      heads: required('ssm.time_step_rank'), convKernel: required('ssm.conv_kernel'),
      layers: kvHeads.recurrentLayers ?? new Array<boolean>(layerCount).fill(false),
    };
    if (ssm.inner % ssm.heads !== 0 || ssm.heads % ssm.groups !== 0 || ssm.inner % ssm.groups !== 0) {
      throw new Error(`${what}: metadata "${architecture}.ssm.*": inner size ${ssm.inner}, ${ssm.heads} heads and ${ssm.groups} groups do not divide as Mamba-2 needs`);
    }
  }
  const rope = !(traits.ropeIfFinetuned && get(`${architecture}.rope.scaling.finetuned`) === false);
  return {
    architecture,
    layerCount,
    embedding,
    headCount,
    headCountKv,
    headDimK,
    headDimV,
    vocabSize,
    rmsEps: num('attention.layer_norm_rms_epsilon') ?? 1e-5,
    ropeDims: num('rope.dimension_count') ?? headDimK,
    ropeBase: num('rope.freq_base') ?? 10000,
    ropeFreqScale,
    ...yarnRope(scalingType === 'yarn', ropeFreqScale, ropeAttnFactor),
    ropeOriginalContext: num('rope.scaling.original_context_length') ?? num('context_length') ?? Infinity,
    ropeStyle: traits.ropeStyle,
    // Granite's scales: llama.cpp reads them as floats; a zero means none.
    attentionScale: nonZero(num('attention.scale')) ?? 1 / Math.sqrt(headDimK),
    attnSoftcap: num('attn_logit_softcapping') ?? null,
    finalSoftcap: num('final_logit_softcapping') ?? null,
    slidingWindow: window,
    slidingLayers: Array.from({ length: layerCount }, (_, l) => window !== null && (traits.slidingLayer?.(l) ?? true)),
    preNorms: traits.preNorms ?? true,
    ropeLayers: Array.from({ length: layerCount }, (_, l) => rope && (traits.ropeLayer?.(l) ?? true)),
    embedScale: nonZero(num('embedding_scale')) ?? (traits.scaleEmbeddings ? Math.sqrt(embedding) : null),
    residualScale: nonZero(num('residual_scale')),
    logitScale: logitScale === null ? null : Math.fround(1 / logitScale),
    activation: traits.activation,
    experts,
    shortConv,
    ssm,
  };
}
