// A model folder -> the plan of what the GGUF will hold: tensors (names, roles, shapes, where their
// bytes are, how to transform them), in llama-quantize's order, and the metadata.
import { readJson, readText, type ModelFiles } from '../bytes-io.ts';
import type { GgufKv } from '../gguf/gguf-value.ts';
import { isDecodableDtype } from '../safetensors/decode.ts';
import { checkTokenizerJson, type TokenizerConfigJson } from '../tokenizer/tokenizer-json.ts';
import { tokenizerKvs } from '../tokenizer/vocab-kvs.ts';
import { readLlamaConfig, type LlamaConfig } from './config.ts';
import { isIgnoredHfTensor, isQuantizableTensor, mapLlamaTensorName } from './llama-tensor-names.ts';
import { generalKvs, llamaKvs } from './llama-metadata.ts';
import type { ModelPlan, PlannedTensor, SourceTensor, TensorTransform } from './plan-types.ts';
import { readSafetensorsHeaders } from './safetensors-files.ts';
import { sortTensorsLikeLlamaQuantize } from './tensor-order.ts';

export async function planModel(files: ModelFiles): Promise<ModelPlan> {
  const configSource = files.open('config.json');
  if (!configSource) {
    throw new Error(`config.json is missing from ${files.label}: a Hugging Face model folder needs it (files: ${files.names().join(', ') || 'none'})`);
  }
  const config = readLlamaConfig(await readJson(configSource), `${files.label}/config.json`);
  const headers = await readSafetensorsHeaders(files);
  const tensors = sortTensorsLikeLlamaQuantize(planTensors(headers.flatMap((h) => h.tensors), config));
  checkRequiredTensors(tensors, config, files.label);
  const parameterCount = tensors.reduce((n, t) => n + t.ne.reduce((a, b) => a * b, 1), 0);
  const metadata: GgufKv[] = [
    ...generalKvs({ modelId: files.label, parameterCount, generationConfig: await optionalJson(files, 'generation_config.json') }),
    ...llamaKvs(config),
    ...(await tokenizerMetadata(files, config, tensors)),
  ];
  return { architecture: 'llama', hfArchitecture: config.hfArchitecture, tensors, metadata, layerCount: config.layerCount };
}

function planTensors(sources: SourceTensor[], config: LlamaConfig): PlannedTensor[] {
  const planned: PlannedTensor[] = [];
  for (const source of sources) {
    if (isIgnoredHfTensor(source.name)) continue;
    const mapped = mapLlamaTensorName(source.name, config.layerCount);
    if (!mapped) {
      throw new Error(`${source.file}: tensor "${source.name}" is not part of a ${config.hfArchitecture} with ${config.layerCount} layers (unknown name)`);
    }
    if (!isDecodableDtype(source.dtype)) {
      throw new Error(`${source.file}: tensor "${source.name}" has dtype ${source.dtype}; only float tensors (F32, F16, BF16, F64) can be converted`);
    }
    const ne = [...source.shape].reverse();
    planned.push({
      ggufName: mapped.ggufName,
      hfName: source.name,
      role: mapped.role,
      layer: mapped.layer,
      ne,
      source,
      transform: transformOf(mapped.role, config),
      quantizable: isQuantizableTensor(mapped.ggufName, ne),
    });
  }
  return planned;
}

/** llama.cpp's converter permutes Q and K (weights and biases) from HF rotate-half to interleaved rope. */
function transformOf(role: PlannedTensor['role'], config: LlamaConfig): TensorTransform {
  if (role === 'attn_q' || role === 'attn_q_bias') return { kind: 'permute-qk', heads: config.headCount };
  if (role === 'attn_k' || role === 'attn_k_bias') return { kind: 'permute-qk', heads: config.headCountKv };
  return { kind: 'none' };
}

const REQUIRED_BLOCK_SUFFIXES = ['attn_norm.weight', 'attn_q.weight', 'attn_k.weight', 'attn_v.weight', 'attn_output.weight', 'ffn_norm.weight', 'ffn_gate.weight', 'ffn_up.weight', 'ffn_down.weight'];

function checkRequiredTensors(tensors: PlannedTensor[], config: LlamaConfig, label: string): void {
  const byName = new Map(tensors.map((t) => [t.ggufName, t]));
  if (byName.size !== tensors.length) {
    const dup = tensors.find((t, i) => tensors.findIndex((u) => u.ggufName === t.ggufName) !== i)!;
    throw new Error(`${dup.source.file}: tensor "${dup.hfName}" appears more than once in ${label}`);
  }
  const required = ['token_embd.weight', 'output_norm.weight'];
  for (let i = 0; i < config.layerCount; i++) required.push(...REQUIRED_BLOCK_SUFFIXES.map((s) => `blk.${i}.${s}`));
  for (const name of required) {
    if (!byName.has(name)) throw new Error(`${label}: the safetensors files have no tensor for "${name}"`);
  }
  const embd = byName.get('token_embd.weight')!;
  if (embd.ne[0] !== config.hiddenSize || embd.ne[1] !== config.vocabSize) {
    throw new Error(`${embd.source.file}: tensor "${embd.hfName}" has shape [${embd.source.shape.join(', ')}], config.json says [${config.vocabSize}, ${config.hiddenSize}]`);
  }
}

async function tokenizerMetadata(files: ModelFiles, config: LlamaConfig, tensors: PlannedTensor[]): Promise<GgufKv[]> {
  const source = files.open('tokenizer.json');
  if (!source) throw new Error(`tokenizer.json is missing from ${files.label}: the GGUF needs the vocabulary`);
  const tokenizer = checkTokenizerJson(await readJson(source), `${files.label}/tokenizer.json`);
  const chatTemplateSource = files.open('chat_template.jinja');
  return tokenizerKvs({
    tokenizer,
    tokenizerConfig: await optionalJson<TokenizerConfigJson>(files, 'tokenizer_config.json'),
    config: config.raw,
    vocabSize: tensors.find((t) => t.ggufName === 'token_embd.weight')!.ne[1]!,
    chatTemplateFile: chatTemplateSource ? await readText(chatTemplateSource) : undefined,
    fileLabel: `${files.label}/tokenizer.json`,
  });
}

async function optionalJson<T = Record<string, unknown>>(files: ModelFiles, name: string): Promise<T | undefined> {
  const source = files.open(name);
  return source ? readJson<T>(source) : undefined;
}
