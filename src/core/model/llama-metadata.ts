// The general.* metadata (every family) and the llama.* keys llama.cpp's converter writes for a Llama/Mistral model, in its
// order, without general.file_type and general.quantization_version (the export adds those; the
// converter writes file_type just before llama.vocab_size and quantization_version just before the
// first tokenizer.* key, and llama-quantize moves both to the end).
//
// Compared with stories260K's reference-f32.gguf (made by llama2.c's older converter, not
// convert_hf_to_gguf.py), intentional differences:
// - general.name: the model folder / repo name, not "llama"; general.type and general.size_label added.
// - llama.context_length: config.json's max_position_embeddings (512), not the 2048 the old tool assumed.
// - llama.rope.freq_base, attention.key_length / value_length (head_dim is in config.json): written.
// - tokenizer.ggml.seperator/padding_token_id (0xFFFFFFFF = none in the reference): not written.
import type { GgufKv } from '../gguf/gguf-value.ts';
import { shownValue } from '../json-input.ts';
import { fitsF32, ropeDimension, type ModelConfig } from './config.ts';
import { textModelKvs } from './text-model-kvs.ts';

const f32 = (key: string, value: number): GgufKv => ({ key, value: { type: 'f32', value } });
const i32 = (key: string, value: number): GgufKv => ({ key, value: { type: 'i32', value } });
const str = (key: string, value: string): GgufKv => ({ key, value: { type: 'string', value } });

export interface GeneralInfo {
  /** The folder name or repo id ("org/name"); the converter names the model after it. */
  modelId: string;
  parameterCount: number;
  /** generation_config.json, when present: its sampling defaults become general.sampling.*. */
  generationConfig?: Record<string, unknown>;
  /** Shown in errors. */
  generationConfigLabel?: string;
}

export function generalKvs(info: GeneralInfo, architecture = 'llama'): GgufKv[] {
  const kvs: GgufKv[] = [str('general.architecture', architecture), str('general.type', 'model')];
  kvs.push(...samplingKvs(info.generationConfig ?? {}, info.generationConfigLabel ?? 'generation_config.json'));
  kvs.push(str('general.name', modelNameOf(info.modelId)));
  if (info.parameterCount > 0) kvs.push(str('general.size_label', sizeLabelOf(info.parameterCount)));
  return kvs;
}

/** LlamaModel (and the families that inherit it): TextModel's keys, then vocab_size and rope.dimension_count. */
export function llamaKvs(config: ModelConfig, arch = 'llama'): GgufKv[] {
  return textModelKvs(arch, config)
    .u32(`${arch}.vocab_size`, config.vocabSize)
    .u32(`${arch}.rope.dimension_count`, ropeDimension(config))
    .toArray();
}

/** gguf-py Metadata: generation_config.json keys -> general.sampling.*, in its order. */
function samplingKvs(gen: Record<string, unknown>, file: string): GgufKv[] {
  const fields: [string, string, 'i32' | 'f32' | 'string'][] = [
    ['sequence', 'general.sampling.sequence', 'string'],
    ['top_k', 'general.sampling.top_k', 'i32'],
    ['top_p', 'general.sampling.top_p', 'f32'],
    ['min_p', 'general.sampling.min_p', 'f32'],
    ['xtc_probability', 'general.sampling.xtc_probability', 'f32'],
    ['xtc_threshold', 'general.sampling.xtc_threshold', 'f32'],
    ['temperature', 'general.sampling.temp', 'f32'],
    ['penalty_last_n', 'general.sampling.penalty_last_n', 'i32'],
    ['repetition_penalty', 'general.sampling.penalty_repeat', 'f32'],
    ['mirostat', 'general.sampling.mirostat', 'i32'],
    ['mirostat_tau', 'general.sampling.mirostat_tau', 'f32'],
    ['mirostat_eta', 'general.sampling.mirostat_eta', 'f32'],
  ];
  const kvs: GgufKv[] = [];
  for (const [field, key, type] of fields) {
    const name = field === 'repetition_penalty' && Object.hasOwn(gen, 'penalty_repeat') && gen.penalty_repeat != null ? 'penalty_repeat' : field;
    const v = Object.hasOwn(gen, name) ? gen[name] : undefined;
    // gguf-py packs these with struct: a value that does not fit its type stops the converter.
    const refuse = (range: string) => { throw new Error(`${file}: "${name}" = ${shownValue(v)} does not fit ${key}, ${range}`); };
    if (type === 'string' && typeof v === 'string') kvs.push(str(key, v));
    else if (type === 'i32' && typeof v === 'number' && Number.isInteger(v)) kvs.push(i32(key, v >= -(2 ** 31) && v < 2 ** 31 ? v : refuse('a 32-bit integer')));
    else if (type === 'f32' && typeof v === 'number') kvs.push(f32(key, fitsF32(v) ? v : refuse("a number within float32's range")));
  }
  return kvs;
}

/**
 * gguf-py's id_to_title on the name part of "org/name": words split on "-", lower-case words
 * title-cased unless they look like versions or numbers. (The converter also derives basename,
 * finetune, version and organization from the name; we do not write those.)
 */
export function modelNameOf(modelId: string): string {
  const name = modelId.includes('/') && !modelId.includes(' ') ? modelId.slice(modelId.indexOf('/') + 1) : modelId;
  return name.trim().replaceAll('-', ' ').split(/\s+/).filter(Boolean).map((w) => {
    const isLower = w === w.toLowerCase() && w !== w.toUpperCase();
    return isLower && !/^(v\d+(?:\.\d+)*|\d.*)$/.test(w) ? titleCase(w) : w;
  }).join(' ');
}

/** Python's str.title(): upper after any non-letter, lower elsewhere. */
function titleCase(w: string): string {
  let out = '';
  let prevLetter = false;
  for (const c of w) {
    const isLetter = c.toLowerCase() !== c.toUpperCase();
    out += isLetter ? (prevLetter ? c.toLowerCase() : c.toUpperCase()) : c;
    prevLetter = isLetter;
  }
  return out;
}

/** gguf-py model_weight_count_rounded_notation(n, min_digits=2). */
export function sizeLabelOf(parameterCount: number): string {
  const [scaled, suffix] =
    parameterCount > 1e12 ? [parameterCount * 1e-12, 'T'] :
    parameterCount > 1e9 ? [parameterCount * 1e-9, 'B'] :
    parameterCount > 1e6 ? [parameterCount * 1e-6, 'M'] : [parameterCount * 1e-3, 'K'];
  const intDigits = String(pythonRound(scaled)).replace(/^0+/, '').length;
  const fix = Math.max(2 - intDigits, 0);
  return `${scaled.toFixed(fix)}${suffix}`;
}

/** Python's round(): half to even. */
function pythonRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
