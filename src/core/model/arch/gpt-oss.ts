// gpt-oss (GGUF "gpt-oss", openai/gpt-oss-20b and -120b), as llama.cpp's GptOssModel converts it:
// attention with q/k/v/o biases and a sink logit per head (self_attn.sinks -> attn_sinks.weight),
// NeoX rope with YaRN, every layer a mixture of experts whose router has a bias, and experts stored
// in the checkpoint as MXFP4 (`*_blocks` codes and `*_scales` exponents). The converter writes
// those as ggml MXFP4 blocks unchanged (storedType), splitting gate_up_proj's interleaved rows
// (gate even, up odd) into ffn_gate_exps and ffn_up_exps, and its bias's interleaved values the
// same way. A checkpoint with the experts unquantized (BF16 fine-tunes) has them as [experts,
// inputs, outputs] matrices, which the converter transposes and splits the same way. post_attention_layernorm is written as post_attention_norm, which llama.cpp's gpt-oss
// uses as the FFN's pre-norm. Keys: TextModel's, then sliding_window and the experts' width.
// llama.cpp hard-codes what the checkpoint could vary (every other layer sliding from layer 0,
// the SwiGLU limit 7): a checkpoint that differs is refused rather than converted into a file
// llama.cpp would run unlike it.
import { shownValue } from '../../json-input.ts';
import { configFields, type ModelConfig } from '../config.ts';
import { isQuantizableTensor, type BlockTensorTable } from '../llama-tensor-names.ts';
import { checkMxfp4Source } from '../mxfp4-source.ts';
import { isDecodableDtype } from '../../safetensors/decode.ts';
import type { PlannedTensor, SourceTensor, TensorRole } from '../plan-types.ts';
import { textModelKvs } from '../text-model-kvs.ts';
import { blockSuffixes, noTransform, type ArchitectureSpec } from './architecture.ts';
import { readExperts } from './experts.ts';

const GPT_OSS_TENSORS: BlockTensorTable = {
  'self_attn.o_proj.bias': { suffix: 'attn_output.bias', role: 'attn_output_bias' },
  'self_attn.sinks': { suffix: 'attn_sinks.weight', role: 'attn_sinks' },
  'post_attention_layernorm.weight': { suffix: 'post_attention_norm.weight', role: 'post_attention_norm' },
  'mlp.router.weight': { suffix: 'ffn_gate_inp.weight', role: 'ffn_gate_inp' },
  'mlp.router.bias': { suffix: 'ffn_gate_inp.bias', role: 'ffn_gate_inp_bias' },
  'mlp.experts.down_proj_bias': { suffix: 'ffn_down_exps.bias', role: 'ffn_down_exps_bias' },
};

/** llama.cpp's gpt-oss clamps the SwiGLU at 7 (build_moe_ffn's LLM_FFN_SWIGLU_OAI_MOE). */
const SWIGLU_LIMIT = 7;

function gptOssConfig(config: ModelConfig): ModelConfig {
  const { raw, file } = config;
  const experts = readExperts(config, 'intermediate_size', 'num_local_experts');
  const fields = configFields(raw, file);
  fields.int('sliding_window');
  const types = raw.layer_types;
  if (types !== undefined && types !== null) {
    const alternating = Array.isArray(types) && types.length === config.layerCount
      && types.every((t, l) => t === (l % 2 === 0 ? 'sliding_attention' : 'full_attention'));
    if (!alternating) {
      throw new Error(`${file}: "layer_types" is ${shownValue(types)}: llama.cpp's gpt-oss slides every even layer and attends fully in every odd one (sliding_attention, full_attention, … for ${config.layerCount} layers)`);
    }
  }
  if (raw.swiglu_limit !== undefined && raw.swiglu_limit !== null && raw.swiglu_limit !== SWIGLU_LIMIT) {
    throw new Error(`${file}: "swiglu_limit" is ${shownValue(raw.swiglu_limit)}, but llama.cpp's gpt-oss clamps at ${SWIGLU_LIMIT}`);
  }
  if (raw.tie_word_embeddings === true) throw new Error(`${file}: "tie_word_embeddings" is true, but llama.cpp runs gpt-oss only with its own output.weight`);
  return { ...config, experts };
}

function gptOssKvs(config: ModelConfig) {
  const window = configFields(config.raw, config.file).int('sliding_window');
  return textModelKvs('gpt-oss', config)
    .u32('gpt-oss.attention.sliding_window', window)
    .u32('gpt-oss.expert_feed_forward_length', config.experts!.feedForward)
    .toArray();
}

const EXPERTS = /^model\.layers\.(\d+)\.mlp\.experts\.(gate_up_proj|down_proj)(_blocks|_scales|_bias|)$/;

/**
 * Experts a checkpoint stores unquantized (a BF16 gpt-oss, as fine-tunes are saved): gate_up_proj
 * [experts, n_embd, 2·ff] and down_proj [experts, ff, n_embd], inputs before outputs. The converter
 * transposes each expert's matrix and splits gate_up's interleaved outputs, as for the MXFP4 ones.
 */
function unquantizedExperts(source: SourceTensor, config: ModelConfig, layer: number, gateUp: boolean): PlannedTensor[] {
  const { count, feedForward } = config.experts!;
  const H = config.hiddenSize;
  const want = gateUp ? [count, H, 2 * feedForward] : [count, feedForward, H];
  if (source.shape.join() !== want.join()) {
    throw new Error(`${source.file}: tensor "${source.name}" has shape [${source.shape.join(', ')}], but ${config.file} (num_local_experts ${count}, hidden_size ${H}, intermediate_size ${feedForward}) implies [${want.join(', ')}]`);
  }
  if (!isDecodableDtype(source.dtype)) {
    throw new Error(`${source.file}: tensor "${source.name}" has dtype ${source.dtype}; only float tensors (F32, F16, BF16, F64) can be converted`);
  }
  const parts: { role: TensorRole; ne: number[]; rowStep: 1 | 2; rowOffset: 0 | 1; which: string }[] = gateUp
    ? [
        { role: 'ffn_gate_exps', ne: [H, feedForward, count], rowStep: 2, rowOffset: 0, which: 'gate: even outputs, transposed' },
        { role: 'ffn_up_exps', ne: [H, feedForward, count], rowStep: 2, rowOffset: 1, which: 'up: odd outputs, transposed' },
      ]
    : [{ role: 'ffn_down_exps', ne: [feedForward, H, count], rowStep: 1, rowOffset: 0, which: 'transposed' }];
  return parts.map(({ role, ne, rowStep, rowOffset, which }): PlannedTensor => {
    const ggufName = `blk.${layer}.${role}.weight`;
    return {
      ggufName, hfName: `${source.name} (${which})`, role, layer, ne, source,
      transform: { kind: 'transpose-experts', rowStep, rowOffset }, quantizable: isQuantizableTensor(ggufName, ne),
    };
  });
}

/** The GGUF tensors of one checkpoint expert tensor; [] for the scales, which go with their blocks. */
function expandExperts(source: SourceTensor, config: ModelConfig, sources: ReadonlyMap<string, SourceTensor>): PlannedTensor[] | undefined {
  const m = EXPERTS.exec(source.name);
  if (!m || Number(m[1]) >= config.layerCount) return undefined;
  const layer = Number(m[1]);
  const [, , projection, part] = m;
  const gateUp = projection === 'gate_up_proj';
  if (part === '') return unquantizedExperts(source, config, layer, gateUp);
  if (part === '_scales') {
    if (!sources.has(source.name.replace(/_scales$/, '_blocks'))) throw new Error(`${source.file}: tensor "${source.name}" has no "${source.name.replace(/_scales$/, '_blocks')}" beside it`);
    return [];
  }
  if (part === '_bias') {
    if (!gateUp) return undefined; // down_proj_bias maps by name
    const { count, feedForward } = config.experts!;
    if (source.shape.join() !== [count, 2 * feedForward].join()) {
      throw new Error(`${source.file}: tensor "${source.name}" has shape [${source.shape.join(', ')}], but ${config.file} (num_local_experts ${count}, intermediate_size ${feedForward}) implies [${count}, ${2 * feedForward}]`);
    }
    return (['ffn_gate_exps_bias', 'ffn_up_exps_bias'] as const).map((role, offset): PlannedTensor => ({
      ggufName: `blk.${layer}.${role.replace('_bias', '')}.bias`, hfName: `${source.name} (${offset === 0 ? 'gate' : 'up'}: every other value)`,
      role, layer, ne: [feedForward, count], source, transform: { kind: 'every-other-column', offset: offset as 0 | 1 }, quantizable: false,
    }));
  }
  const scalesName = source.name.replace(/_blocks$/, '_scales');
  const scales = sources.get(scalesName);
  if (!scales) throw new Error(`${source.file}: tensor "${source.name}" has no "${scalesName}" beside it: MXFP4 experts need their scales`);
  const { count, feedForward } = config.experts!;
  const parts: { role: TensorRole; rows: number; cols: number; rowStep: 1 | 2; rowOffset: 0 | 1; which: string }[] = gateUp
    ? [
        { role: 'ffn_gate_exps', rows: feedForward, cols: config.hiddenSize, rowStep: 2, rowOffset: 0, which: 'gate: even rows' },
        { role: 'ffn_up_exps', rows: feedForward, cols: config.hiddenSize, rowStep: 2, rowOffset: 1, which: 'up: odd rows' },
      ]
    : [{ role: 'ffn_down_exps', rows: config.hiddenSize, cols: feedForward, rowStep: 1, rowOffset: 0, which: '' }];
  return parts.map(({ role, rows, cols, rowStep, rowOffset, which }): PlannedTensor => {
    if (cols % 32 !== 0) throw new Error(`${source.file}: tensor "${source.name}": rows of ${cols} values are not whole MXFP4 blocks of 32`);
    const ggufName = `blk.${layer}.${role}.weight`;
    const ne = [cols, rows, count];
    const planned: PlannedTensor = {
      ggufName, hfName: which ? `${source.name} (${which})` : source.name, role, layer, ne,
      source: { kind: 'mxfp4', file: source.file, name: source.name, dtype: 'U8', shape: [count, rows, cols], blocks: source, scales, rowStep, rowOffset },
      transform: { kind: 'none' },
      quantizable: isQuantizableTensor(ggufName, ne),
      storedType: 'MXFP4',
    };
    if (planned.source.kind === 'mxfp4') checkMxfp4Source(planned.source);
    return planned;
  });
}

export const GPT_OSS: ArchitectureSpec = {
  ggufArchitecture: 'gpt-oss',
  blockOverrides: GPT_OSS_TENSORS,
  expandsTensor: expandExperts,
  transformOf: noTransform,
  requiredBlockSuffixes: () => [
    ...blockSuffixes('attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'attn_sinks', 'post_attention_norm', 'ffn_gate_inp', 'ffn_gate_exps', 'ffn_up_exps', 'ffn_down_exps'),
    'attn_output.bias', 'ffn_gate_inp.bias', 'ffn_gate_exps.bias', 'ffn_up_exps.bias', 'ffn_down_exps.bias',
  ],
  convertedConfig: gptOssConfig,
  hparamKvs: gptOssKvs,
  ropeScalings: ['yarn'],
  tokenizer: {},
};
