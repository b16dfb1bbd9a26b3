// The tokenizer of a model given as a GGUF (a folder or repo without tokenizer.json that holds one):
// read from the tokenizer.ggml.* keys of its first shard, where llama.cpp reads them.
import type { ModelFiles } from '../bytes-io.ts';
import { readGgufKvs } from '../gguf/gguf-kvs.ts';
import { readGgufInfo } from '../gguf/read-gguf.ts';
import { ggufModelNames, ggufShardNames, pickGgufModel } from '../model/plan-gguf.ts';
import { ggufTokenizer, type GgufTokenizer } from './gguf-tokenizer.ts';
import { readGgufVocab } from './gguf-vocab.ts';

/**
 * True when the model's tokenizer comes from a GGUF in the files: when the model itself is planned
 * from it (no config.json, as planModel decides), or when there is no tokenizer.json to use instead.
 */
export function tokenizerIsInGguf(files: ModelFiles): boolean {
  return ggufModelNames(files.names()).length > 0 && (!files.open('config.json') || !files.open('tokenizer.json'));
}

export async function loadGgufTokenizer(files: ModelFiles): Promise<GgufTokenizer> {
  const first = ggufShardNames(pickGgufModel(files))[0]!;
  const source = files.open(first);
  if (!source) throw new Error(`${first}: missing from ${files.label}`);
  const kvs = await readGgufKvs(source, await readGgufInfo(source));
  return ggufTokenizer(readGgufVocab(kvs, first), first);
}
