// Finds a model's safetensors files (one file, or an index plus shards) and reads their headers.
import { readJson, type ModelFiles } from '../bytes-io.ts';
import { parseSafetensorsHeader, type SafetensorsHeader } from '../safetensors/header.ts';

export const SINGLE_SAFETENSORS = 'model.safetensors';
export const SAFETENSORS_INDEX = 'model.safetensors.index.json';

export async function readSafetensorsHeaders(files: ModelFiles): Promise<SafetensorsHeader[]> {
  const names = files.names();
  if (names.includes(SAFETENSORS_INDEX)) return readSharded(files);
  const single = files.open(SINGLE_SAFETENSORS);
  if (!single) {
    throw new Error(`${files.label}: no ${SINGLE_SAFETENSORS} or ${SAFETENSORS_INDEX} (files: ${names.join(', ') || 'none'})`);
  }
  return [await readHeaderAs(files, SINGLE_SAFETENSORS)];
}

/** Tensors carry the file's name within `files` (what `open` takes), not its display name. */
async function readHeaderAs(files: ModelFiles, name: string): Promise<SafetensorsHeader> {
  const header = await parseSafetensorsHeader(files.open(name)!);
  return { ...header, tensors: header.tensors.map((t) => ({ ...t, file: name })) };
}

async function readSharded(files: ModelFiles): Promise<SafetensorsHeader[]> {
  const where = `${files.label}/${SAFETENSORS_INDEX}`;
  const index = await readJson<{ weight_map?: unknown }>(files.open(SAFETENSORS_INDEX)!);
  const map = index.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new Error(`${where}: "weight_map" must be an object`);
  const weightMap = map as Record<string, unknown>;
  const shardNames: string[] = [];
  for (const [tensor, shard] of Object.entries(weightMap)) {
    if (typeof shard !== 'string') throw new Error(`${where}: weight_map entry "${tensor}" must be a file name`);
    if (!files.open(shard)) throw new Error(`${where}: tensor "${tensor}" is in "${shard}", which is missing from ${files.label}`);
    if (!shardNames.includes(shard)) shardNames.push(shard);
  }
  const headers = await Promise.all(shardNames.map((s) => readHeaderAs(files, s)));
  for (const h of headers) {
    for (const t of h.tensors) {
      if (weightMap[t.name] !== t.file) {
        throw new Error(`${t.file}: tensor "${t.name}" is not mapped to this file by ${SAFETENSORS_INDEX}`);
      }
    }
  }
  const present = new Set(headers.flatMap((h) => h.tensors.map((t) => t.name)));
  for (const tensor of Object.keys(weightMap)) {
    if (!present.has(tensor)) throw new Error(`${weightMap[tensor]}: tensor "${tensor}" is listed in ${SAFETENSORS_INDEX} but not in the file`);
  }
  return headers;
}
