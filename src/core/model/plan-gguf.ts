// A GGUF file (or the shards of one split by gguf-split / llama-quantize --keep-split) -> the plan
// of what a requantized GGUF holds, as llama-quantize builds it from such a file: every tensor of
// the source under its own name and shape, read in its stored type (quantized sources decoded as
// ggml's to_float does), in llama-quantize's order; every metadata key copied in the file's order
// except the split keys. The rest of the pipeline (mixes, recipes, the forward for calibration and
// evaluation) takes this plan as it takes one made from safetensors.
import type { ModelFiles } from '../bytes-io.ts';
import { ARCHITECTURE_TRAITS } from '../forward/architectures.ts';
import { ggmlTypeById, tensorBytes } from '../ggml-type.ts';
import { readGgufKvs } from '../gguf/gguf-kvs.ts';
import { readGgufInfo, type GgufInfo } from '../gguf/read-gguf.ts';
import type { GgufKv } from '../gguf/gguf-value.ts';
import { isQuantizableTensor } from './llama-tensor-names.ts';
import { TENSOR_ROLES, type ModelPlan, type PlannedTensor, type TensorRole } from './plan-types.ts';
import { sortTensorsLikeLlamaQuantize } from './tensor-order.ts';

/** llama.cpp's split file names (llama_split_path): PREFIX-00001-of-00003.gguf. */
const SHARD_NAME = /^(.+)-(\d{5})-of-(\d{5})\.gguf$/i;
const SPLIT_KEYS = new Set(['split.no', 'split.count', 'split.tensors.count']);
/** Keys the export writes itself (last, with the chosen file type). */
const EXPORT_KEYS = new Set(['general.file_type', 'general.quantization_version']);

export function isGgufFileName(name: string): boolean {
  return /\.gguf$/i.test(name);
}

/** The GGUF models among file names: single files, and the first shard of each split set. */
export function ggufModelNames(names: readonly string[]): string[] {
  return names.filter((n) => isGgufFileName(n) && (!SHARD_NAME.test(n) || Number(SHARD_NAME.exec(n)![2]) === 1)).sort();
}

/** The files of the GGUF model `name` in order: itself, or every shard of its split set (any shard may name the set). */
export function ggufShardNames(name: string): string[] {
  const m = SHARD_NAME.exec(name);
  if (!m) return [name];
  const count = Number(m[3]);
  if (count < 1 || Number(m[2]) < 1 || Number(m[2]) > count) throw new Error(`${name}: shard ${Number(m[2])} of ${count} is not a valid split file name`);
  return Array.from({ length: count }, (_, i) => `${m[1]}-${String(i + 1).padStart(5, '0')}-of-${m[3]}.gguf`);
}

/** The files of GGUF model `name` (a file, or any shard of a split set), each checked to be in `files`. */
export function ggufFilesOf(files: ModelFiles, name: string): string[] {
  const shards = ggufShardNames(name);
  for (const [i, shard] of shards.entries()) {
    if (!files.open(shard)) throw new Error(`${shard}: missing from ${files.label}${shards.length > 1 ? ` (shard ${i + 1} of ${shards.length})` : ''}`);
  }
  return shards;
}

/**
 * The folder or repo seen as the one GGUF model `name` (its file, or its split set's shards):
 * what a user means by naming a .gguf in a repo of several quants.
 */
export function ggufModelView(files: ModelFiles, name: string, label = `${files.label}/${name}`): ModelFiles {
  const shards = ggufFilesOf(files, name);
  return { label, names: () => [...shards], open: (n) => (shards.includes(n) ? files.open(n) : undefined) };
}

/** A folder or repo of several GGUF models (a repo of quants) was opened without naming one. */
export class SeveralGgufModelsError extends Error {
  constructor(label: string, readonly ggufModels: string[]) {
    super(`${label} holds ${ggufModels.length} GGUF models (${ggufModels.join(', ')}): name the one to open`);
    this.name = 'SeveralGgufModelsError';
  }
}

/**
 * The GGUF to read from a folder or repo: `name` when given, else the only GGUF model in it.
 * Several models (a repo of quants) need a choice; the message lists them.
 */
export function pickGgufModel(files: ModelFiles, name?: string): string {
  const models = ggufModelNames(files.names());
  if (name !== undefined) {
    if (!files.open(name)) throw new Error(`${name}: not in ${files.label} (GGUF files there: ${models.join(', ') || 'none'})`);
    return name;
  }
  if (models.length === 0) throw new Error(`${files.label}: no GGUF file`);
  if (models.length > 1) throw new SeveralGgufModelsError(files.label, models);
  return models[0]!;
}

/** GGUF tensor name -> role: the name without its block and .weight, .bias as _bias, LFM2's dotted names joined. */
const ROLE_ALIASES: Record<string, TensorRole> = {
  token_embd_norm: 'output_norm', 'shortconv.in_proj': 'shortconv_in', 'shortconv.conv': 'shortconv_conv', 'shortconv.out_proj': 'shortconv_out',
};
const ROLES = new Set<string>(TENSOR_ROLES);

export function roleOfGgufTensor(name: string): TensorRole | undefined {
  const base = name.replace(/^blk\.\d+\./, '').replace(/\.weight$/, '');
  const role = ROLE_ALIASES[base] ?? base.replace(/\.bias$/, '_bias');
  return ROLES.has(role) ? (role as TensorRole) : undefined;
}

function stringKv(kvs: readonly GgufKv[], key: string): string | undefined {
  const v = kvs.find((kv) => kv.key === key)?.value;
  return v?.type === 'string' ? v.value : undefined;
}

function numberKv(kvs: readonly GgufKv[], key: string): number | undefined {
  const v = kvs.find((kv) => kv.key === key)?.value;
  if (!v || v.type === 'array' || v.type === 'string' || v.type === 'bool') return undefined;
  return Number(v.value);
}

/** Checks the shards against each other as llama.cpp's loader does: numbered in order, one count, every tensor once. */
function checkShards(shards: readonly string[], infos: readonly GgufInfo[], kvs: readonly GgufKv[][]): void {
  if (shards.length === 1) {
    const count = numberKv(kvs[0]!, 'split.count');
    if (count !== undefined && count > 1) throw new Error(`${shards[0]}: split.count is ${count}: it is one shard of a split model; open its first shard, ${shards[0]!.replace(/\.gguf$/i, '')}-00001-of-${String(count).padStart(5, '0')}.gguf`);
    return;
  }
  const total = infos.reduce((n, info) => n + info.parsed.tensorInfos.length, 0);
  for (const [i, shard] of shards.entries()) {
    const no = numberKv(kvs[i]!, 'split.no');
    const count = numberKv(kvs[i]!, 'split.count');
    const tensors = numberKv(kvs[i]!, 'split.tensors.count');
    if (no !== i || count !== shards.length) throw new Error(`${shard}: split.no ${no ?? 'missing'}, split.count ${count ?? 'missing'}; expected shard ${i} of ${shards.length}`);
    if (tensors !== total) throw new Error(`${shard}: split.tensors.count is ${tensors ?? 'missing'}, the ${shards.length} shards hold ${total} tensors`);
  }
}

export async function planGgufModel(files: ModelFiles, name?: string): Promise<ModelPlan> {
  const shards = ggufShardNames(pickGgufModel(files, name));
  const sources = shards.map((shard, i) => {
    const source = files.open(shard);
    if (!source) throw new Error(`${shard}: missing from ${files.label} (shard ${i + 1} of ${shards.length})`);
    return source;
  });
  const infos = await Promise.all(sources.map((s) => readGgufInfo(s)));
  const kvs = await Promise.all(infos.map((info, i) => readGgufKvs(sources[i]!, info)));
  checkShards(shards, infos, kvs);
  const first = shards[0]!;
  if (stringKv(kvs[0]!, 'general.type') === 'imatrix') throw new Error(`${first}: an importance matrix, not a model (give it as the imatrix)`);
  const architecture = stringKv(kvs[0]!, 'general.architecture');
  if (!architecture) throw new Error(`${first}: no general.architecture: not a model GGUF`);
  if (!(architecture in ARCHITECTURE_TRAITS)) {
    throw new Error(`${first}: architecture "${architecture}" is not supported (supported: ${Object.keys(ARCHITECTURE_TRAITS).join(', ')})`);
  }
  const layerCount = numberKv(kvs[0]!, `${architecture}.block_count`);
  if (layerCount === undefined || !Number.isInteger(layerCount) || layerCount < 1) throw new Error(`${first}: ${architecture}.block_count is missing or not a positive whole number`);

  const planned: PlannedTensor[] = [];
  for (const [i, info] of infos.entries()) {
    for (const t of info.parsed.tensorInfos) {
      const where = `${shards[i]}: tensor "${t.name}"`;
      const dtype = ggmlTypeById(Number(t.dtype))!; // readGgufInfo refuses unknown types
      const ne = t.shape.map((d) => Number(d));
      const role = roleOfGgufTensor(t.name);
      if (!role) throw new Error(`${where}: not a tensor of a ${architecture} model this tool knows`);
      const layer = /^blk\.(\d+)\./.exec(t.name);
      if (layer && Number(layer[1]) >= layerCount) throw new Error(`${where}: layer ${layer[1]}, but ${architecture}.block_count is ${layerCount}`);
      planned.push({
        ggufName: t.name,
        hfName: t.name,
        role,
        layer: layer ? Number(layer[1]) : null,
        ne,
        source: { kind: 'gguf', file: shards[i]!, name: t.name, dtype, shape: [...ne].reverse(), offset: info.dataStart + Number(t.offset), byteLength: tensorBytes(dtype, ne) },
        transform: { kind: 'none' },
        quantizable: isQuantizableTensor(t.name, ne),
      });
    }
  }
  const metadata = kvs[0]!.filter((kv) => !SPLIT_KEYS.has(kv.key) && !EXPORT_KEYS.has(kv.key));
  const sourceFileType = numberKv(kvs[0]!, 'general.file_type');
  return {
    architecture, hfArchitecture: 'GGUF', tensors: sortTensorsLikeLlamaQuantize(planned), metadata, layerCount,
    ...(sourceFileType !== undefined ? { sourceFileType } : {}),
  };
}
