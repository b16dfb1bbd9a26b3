// A model folder -> the plan of what the GGUF will hold: tensors (names, roles, shapes, where their
// values come from, how to transform them), in llama-quantize's order, and the metadata. The
// family-specific parts live in arch/ (one module per family).
import { readJson, readText, type ModelFiles } from '../bytes-io.ts';
import type { GgufKv } from '../gguf/gguf-value.ts';
import { isPlainObject } from '../json-input.ts';
import { isDecodableDtype } from '../safetensors/decode.ts';
import { checkTokenizerJson, type TokenizerConfigJson, type TokenizerJson } from '../tokenizer/tokenizer-json.ts';
import { tokenizerKvs } from '../tokenizer/vocab-kvs.ts';
import type { ArchitectureSpec } from './arch/architecture.ts';
import { ARCHITECTURES } from './arch/registry.ts';
import { readModelConfig, type ModelConfig } from './config.ts';
import { isIgnoredHfTensor, isQuantizableTensor, mapExpertPart, mapLlamaTensorName, type ExpertPart } from './llama-tensor-names.ts';
import { generalKvs } from './llama-metadata.ts';
import { ggufModelNames, planGgufModel } from './plan-gguf.ts';
import type { ModelPlan, PlannedTensor, SourceTensor } from './plan-types.ts';
import { readSafetensorsHeaders } from './safetensors-files.ts';
import { stackedTensor } from './stacked-experts.ts';
import { sortTensorsLikeLlamaQuantize } from './tensor-order.ts';
import { checkTensorShapes } from './tensor-shapes.ts';

export async function planModel(files: ModelFiles): Promise<ModelPlan> {
  const configSource = files.open('config.json');
  // A GGUF (a repo that publishes only one, or a dropped file): requantized as llama-quantize would.
  if (!configSource && ggufModelNames(files.names()).length > 0) return planGgufModel(files);
  if (!configSource) {
    throw new Error(`config.json is missing from ${files.label}: a Hugging Face model folder needs it (files: ${files.names().join(', ') || 'none'})`);
  }
  const read = readModelConfig(await readJson(configSource), `${files.label}/config.json`);
  const family = ARCHITECTURES[read.hfArchitecture];
  const spec = family.variant?.(read) ?? family;
  const config = spec.convertedConfig?.(read) ?? read;
  const scaling = config.ropeScaling.type;
  if (scaling !== 'none' && scaling !== 'linear' && !spec.ropeScalings?.includes(scaling)) {
    const families = Object.entries(ARCHITECTURES).filter(([, s]) => s.ropeScalings?.includes(scaling)).map(([name]) => name);
    throw new Error(`${config.file}: ${scaling} rope scaling is only supported for ${families.join(', ')}, not ${config.hfArchitecture}`);
  }
  const tokenizer = await readTokenizer(files);
  const headers = await readSafetensorsHeaders(files);
  const planned = planTensors(headers.flatMap((h) => h.tensors), config, spec);
  checkTensorShapes(planned, config, spec.shapeRules ?? {});
  if (spec.truncatesEmbeddingToVocab) truncateEmbedding(planned, realVocabSize(tokenizer));
  planned.push(...(spec.generatedTensors?.(config) ?? []));
  const tensors = sortTensorsLikeLlamaQuantize(planned);
  checkRequiredTensors(tensors, config, spec, files.label);
  const parameterCount = tensors.reduce((n, t) => n + t.ne.reduce((a, b) => a * b, 1), 0);
  const [architectureKv, ...general] = generalKvs({
    modelId: files.label, parameterCount, generationConfig: await optionalJson(files, 'generation_config.json'), generationConfigLabel: `${files.label}/generation_config.json`,
  }, spec.ggufArchitecture);
  const metadata: GgufKv[] = [
    architectureKv!,
    ...(spec.tensorPassKvs?.(config) ?? []),
    ...general,
    ...spec.hparamKvs(config),
    ...(await tokenizerMetadata(files, tokenizer, config, spec, tensors)),
  ];
  return { architecture: spec.ggufArchitecture, hfArchitecture: config.hfArchitecture, tensors, metadata, layerCount: config.layerCount };
}

function planTensors(sources: SourceTensor[], config: ModelConfig, spec: ArchitectureSpec): PlannedTensor[] {
  const planned: PlannedTensor[] = [];
  const experts = new Map<string, { part: ExpertPart; sources: SourceTensor[] }>();
  const byName = new Map(sources.map((s) => [s.name, s]));
  for (const source of sources) {
    if (isIgnoredHfTensor(source.name) || spec.skipsTensor?.(source.name)) continue;
    const expanded = spec.expandsTensor?.(source, config, byName);
    if (expanded) {
      planned.push(...expanded);
      continue;
    }
    const part = config.experts ? mapExpertPart(source.name, config.layerCount) : undefined;
    if (part) {
      const group = experts.get(part.ggufName) ?? { part, sources: [] };
      experts.set(part.ggufName, group);
      if (part.expert >= config.experts!.count) {
        throw new Error(`${source.file}: tensor "${source.name}" is expert ${part.expert}, but ${config.file} says num_experts ${config.experts!.count}`);
      }
      if (group.sources[part.expert]) throw new Error(`${source.file}: tensor "${source.name}" appears more than once`);
      group.sources[part.expert] = source;
      continue;
    }
    const mapped = mapLlamaTensorName(source.name, config.layerCount, spec.blockOverrides);
    if (!mapped) {
      throw new Error(`${source.file}: tensor "${source.name}" is not part of a ${config.hfArchitecture} with ${config.layerCount} layers (${config.file} says num_hidden_layers ${config.layerCount}; or the name is unknown)`);
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
      transform: spec.transformOf(mapped.role, source.name, config),
      quantizable: isQuantizableTensor(mapped.ggufName, ne),
    });
  }
  for (const { part, sources: parts } of experts.values()) planned.push(stackExperts(part, parts, config.experts!.count));
  return planned;
}

/** One projection of every expert of a layer; each expert must be there. */
function stackExperts(part: ExpertPart, parts: (SourceTensor | undefined)[], count: number): PlannedTensor {
  const first = parts.find((p) => p !== undefined)!;
  for (let e = 0; e < count; e++) {
    if (!parts[e]) throw new Error(`${first.file}: tensor "${first.name.replace(/\.experts\.\d+\./, `.experts.${e}.`)}" is missing (layer ${part.layer} needs all ${count} experts)`);
  }
  return stackedTensor({ ggufName: part.ggufName, role: part.role, layer: part.layer, name: first.name.replace(/\.experts\.\d+\./, '.experts.*.'), parts: parts as SourceTensor[] });
}

/** Distinct token ids the tokenizer can produce: one past the largest id of its vocabulary and added tokens. */
function realVocabSize(tokenizer: TokenizerJson): number {
  let max = -1;
  for (const id of Object.values(tokenizer.model.vocab)) if (id > max) max = id;
  for (const t of tokenizer.added_tokens ?? []) if (t.id > max) max = t.id;
  return max + 1;
}

/** Gemma 3: rows past the real vocabulary (padding for multimodal tokens) are removed from token_embd. */
function truncateEmbedding(tensors: PlannedTensor[], vocab: number): void {
  const embd = tensors.find((t) => t.role === 'token_embd');
  if (!embd || embd.ne[1]! <= vocab) return;
  embd.ne = [embd.ne[0]!, vocab];
  embd.transform = { kind: 'first-rows', rows: vocab };
}

function checkRequiredTensors(tensors: PlannedTensor[], config: ModelConfig, spec: ArchitectureSpec, label: string): void {
  const byName = new Map(tensors.map((t) => [t.ggufName, t]));
  if (byName.size !== tensors.length) {
    const dup = tensors.find((t, i) => tensors.findIndex((u) => u.ggufName === t.ggufName) !== i)!;
    throw new Error(`${dup.source.file}: tensor "${dup.hfName}" appears more than once in ${label}`);
  }
  const missing = (name: string) => !byName.has(name) && new Error(`${label}: the safetensors files have no tensor for "${name}"`);
  if (missing('token_embd.weight')) throw missing('token_embd.weight');
  // The output norm is output_norm.weight, except in LFM2 (token_embd_norm.weight).
  if (!tensors.some((t) => t.role === 'output_norm')) throw new Error(`${label}: the safetensors files have no tensor for "output_norm.weight" (the final norm)`);
  // Checked layer by layer, stopping at the first gap: num_hidden_layers is only as large as the files say.
  for (let i = 0; i < config.layerCount; i++) {
    for (const s of spec.requiredBlockSuffixes(config, i)) if (missing(`blk.${i}.${s}`)) throw missing(`blk.${i}.${s}`);
  }
  const embd = byName.get('token_embd.weight')!;
  const [rows, cols] = [embd.source.shape[0], embd.source.shape[1]];
  if (cols !== config.hiddenSize || rows !== config.vocabSize) {
    throw new Error(`${embd.source.file}: tensor "${embd.hfName}" has shape [${embd.source.shape.join(', ')}], config.json says [${config.vocabSize}, ${config.hiddenSize}]`);
  }
}

async function readTokenizer(files: ModelFiles): Promise<TokenizerJson> {
  const source = files.open('tokenizer.json');
  if (!source) throw new Error(`tokenizer.json is missing from ${files.label}: the GGUF needs the vocabulary`);
  return checkTokenizerJson(await readJson(source), `${files.label}/tokenizer.json`);
}

async function tokenizerMetadata(files: ModelFiles, tokenizer: TokenizerJson, config: ModelConfig, spec: ArchitectureSpec, tensors: PlannedTensor[]): Promise<GgufKv[]> {
  const chatTemplateSource = files.open('chat_template.jinja');
  const chatTemplateJson = await optionalJson<{ chat_template?: unknown }>(files, 'chat_template.json');
  return tokenizerKvs({
    tokenizer,
    tokenizerConfig: await optionalJson<TokenizerConfigJson>(files, 'tokenizer_config.json'),
    config: config.raw,
    vocabSize: tensors.find((t) => t.ggufName === 'token_embd.weight')!.ne[1]!,
    chatTemplateFile: chatTemplateSource ? await readText(chatTemplateSource) : undefined,
    chatTemplateJson: chatTemplateJson?.chat_template,
    fileLabel: `${files.label}/tokenizer.json`,
    tokenizerConfigLabel: `${files.label}/tokenizer_config.json`,
    configLabel: config.file,
    modelLabel: `${files.label} (${config.hfArchitecture})`,
    ...spec.tokenizer,
  });
}

/** An optional JSON file of the folder; when present it must hold an object. */
async function optionalJson<T = Record<string, unknown>>(files: ModelFiles, name: string): Promise<T | undefined> {
  const source = files.open(name);
  if (!source) return undefined;
  const json = await readJson(source);
  if (!isPlainObject(json)) throw new Error(`${files.label}/${name}: must be a JSON object`);
  return json as T;
}
