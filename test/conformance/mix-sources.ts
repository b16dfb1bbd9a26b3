// The two generated Llama models the whole-file conformance tests quantize, made once per test
// file: 8 layers, so the first/last-eighth and every-third-layer bumps of the mixes all occur.
// The BF16 model has GQA 4 and an untied output; the F16 model has GQA 1 and tied embeddings: the
// other branch of the attn_v and output rules. Each is also converted by our code to a GGUF that
// llama-quantize reads, and a random imatrix covers the block tensors (not output/token_embd,
// which llama-quantize then quantizes unweighted, as ours must).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCliInProcess } from '../helpers/cli-in-process.ts';
import { generateLlamaModel, type GeneratedDtype, type GeneratedModelShape } from '../helpers/generate-model.ts';
import { llamaMatrixColumns, randomImatrix, writeImatrixGguf } from '../helpers/imatrix-file.ts';
import { STORIES260K } from '../helpers/paths.ts';

export const MIX_SOURCE_SHAPES: Record<'BF16' | 'F16', GeneratedModelShape> = {
  BF16: { hidden: 256, intermediate: 768, layers: 8, heads: 4, kvHeads: 1, vocab: 512, tied: false },
  F16: { hidden: 256, intermediate: 768, layers: 8, heads: 4, kvHeads: 4, vocab: 512, tied: true },
};

export interface MixSource {
  /** The Hugging Face folder `quant-studio quantize` reads. */
  dir: string;
  /** Our BF16/F16 GGUF export of it, which llama-quantize reads. */
  gguf: string;
}

export interface MixSources {
  work: string;
  sources: Record<'BF16' | 'F16', MixSource>;
  imatrix: string;
  remove(): Promise<void>;
}

export async function makeMixSources(dtypes: readonly GeneratedDtype[] = ['BF16', 'F16']): Promise<MixSources> {
  const work = await mkdtemp(path.join(tmpdir(), 'conformance-files-'));
  const sources = {} as Record<'BF16' | 'F16', MixSource>;
  for (const dtype of dtypes as ('BF16' | 'F16')[]) {
    const dir = path.join(work, `model-${dtype}`);
    await generateLlamaModel(dir, MIX_SOURCE_SHAPES[dtype], { dtype, seed: dtype === 'BF16' ? 7 : 8, tokenizerFrom: STORIES260K });
    const gguf = path.join(work, `model-${dtype}.gguf`);
    const r = await runCliInProcess(['quantize', dir, '--type', dtype, '--backend', 'cpu', '-o', gguf]);
    if (r.code !== 0) throw new Error(r.stderr);
    sources[dtype] = { dir, gguf };
  }
  const imatrix = path.join(work, 'random.imatrix.gguf');
  await writeImatrixGguf(imatrix, randomImatrix(llamaMatrixColumns(MIX_SOURCE_SHAPES.BF16), 99), { dataset: 'random.txt', chunkCount: 17, chunkSize: 512 });
  return { work, sources, imatrix, remove: () => rm(work, { recursive: true, force: true }) };
}
