// What "Publish to the Hub" uploads, decided from what the studio made (pure): the exported GGUFs
// (a split one as its parts), the importance matrix they were quantized with, a dynamic recipe as
// JSON and as llama-quantize's --tensor-type-file, and the model card (README.md) describing them.
// Also the per-file progress the panel shows, folded from pushToHub's overall byte counts.
import type { ModelCardFile, ModelCardInput, ModelCardKld } from '../io/hub/model-card.ts';
import { generateModelCard } from '../io/hub/model-card.ts';
import type { PushFile, PushProgress } from '../io/hub/push-files.ts';
import type { ModelPlan } from '../core/model/plan-types.ts';
import { studioWords } from './studio-words.ts';

/** One GGUF of an export: a quant level, as kept in this browser and as the studio computed it. */
export interface ExportedGguf {
  /** The whole file's name and bytes (what llama-quantize writes). */
  name: string;
  blob: Blob;
  /** A split file's parts: what is uploaded instead of the whole file. */
  parts?: { name: string; blob: Blob }[] | null;
  /** llama-gguf-split's options that cut the whole file into the parts (null: none does exactly). */
  splitArgs?: string[] | null;
  /** The mix (llama-quantize's TYPE) the file's types came from. */
  mix: string;
  /** Tensors per type, and the tensor data's bits per weight. */
  typeCounts: Record<string, number>;
  bitsPerWeight: number;
  /** A dynamic recipe: its JSON, its tensor-type file, and the mix and prediction it carries. */
  recipe?: { json: string; tensorTypes: string; baseMix: string; predictedKld: number | null };
  /** The evaluation of this very file, when the studio ran one. */
  kld?: ModelCardKld;
}

/** What one export made (export-inputs.ts captured how, the export worker kept the bytes). */
export interface ExportedArtifacts {
  /** Its files, the studio's recipe first. */
  ggufs: ExportedGguf[];
  /** The GGUF architecture ("llama"). */
  architecture?: string;
  /** The checkpoint's float type: the unquantized GGUF the card's llama-quantize commands start from. */
  unquantizedType?: 'BF16' | 'F16' | 'F32';
  /** The GGUF the files were quantized from, when the model was opened from one. */
  sourceGguf?: ModelCardInput['sourceGguf'];
  /** The importance matrix the quantizers were weighted with. */
  imatrix?: { name: string; blob: Blob; datasets: readonly string[]; chunks: number; fromCalibration: boolean };
}

export interface PublishRequest {
  repo: string;
  baseModel: string;
  /** The base model's commit (a Hub model is pinned to one). */
  baseModelRevision?: string;
  /** "quant-studio 0.1.0". */
  tool: string;
}

const stem = (name: string) => name.replace(/\.gguf$/i, '');

/** owner/name, the base model's form on the card; null when it reads well, else what is wrong. */
export function baseModelProblem(baseModel: string): string | null {
  const b = baseModel.trim();
  if (!b) return 'the base model (owner/name of the unquantized model) is needed for the model card';
  return /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/.test(b) ? null : `"${b}" is not a model id (owner/name)`;
}

/** The float type most of a safetensors checkpoint's weights are stored in (by elements); undefined for other sources. */
export function unquantizedTypeOf(plan: ModelPlan): 'BF16' | 'F16' | 'F32' | undefined {
  const elements = new Map<string, number>();
  for (const t of plan.tensors) {
    const src = t.source;
    if (src.kind !== undefined || !['BF16', 'F16', 'F32'].includes(src.dtype)) continue;
    elements.set(src.dtype, (elements.get(src.dtype) ?? 0) + src.shape.reduce((a, b) => a * b, 1));
  }
  const top = [...elements].sort((a, b) => b[1] - a[1])[0];
  return top?.[0] as 'BF16' | 'F16' | 'F32' | undefined;
}

/** The files of the one commit: each GGUF (or its parts), the imatrix, recipes, the model card last. */
export function publishFiles(made: ExportedArtifacts, request: PublishRequest): PushFile[] {
  const files: PushFile[] = [];
  for (const g of made.ggufs) {
    if (g.parts) files.push(...g.parts.map((p) => ({ path: p.name, content: p.blob })));
    else files.push({ path: g.name, content: g.blob });
  }
  const imatrixPath = made.imatrix ? (/\.gguf$|\.dat$/i.test(made.imatrix.name) ? made.imatrix.name : `${made.imatrix.name}.gguf`) : undefined;
  if (made.imatrix && imatrixPath) files.push({ path: imatrixPath, content: made.imatrix.blob });
  const cards: ModelCardFile[] = made.ggufs.map((g) => {
    const recipeFile = `${stem(g.name)}.recipe.json`;
    const typesFile = `${stem(g.name)}.tensor-types.txt`;
    if (g.recipe) {
      files.push({ path: recipeFile, content: new Blob([g.recipe.json], { type: 'application/json' }) });
      files.push({ path: typesFile, content: new Blob([g.recipe.tensorTypes], { type: 'text/plain' }) });
    }
    return {
      name: g.name,
      sizeBytes: g.parts ? g.parts.reduce((n, p) => n + p.blob.size, 0) : g.blob.size,
      bitsPerWeight: g.bitsPerWeight,
      method: g.recipe
        ? { kind: 'recipe', recipeFile, tensorTypeFile: typesFile, baseMix: g.recipe.baseMix, predictedKld: g.recipe.predictedKld }
        : { kind: 'mix', mix: g.mix },
      typeCounts: g.typeCounts,
      // The studio records the imatrix's name as quantize.imatrix.file, as llama-quantize records its argument.
      ...(made.imatrix ? { imatrix: imatrixPath, imatrixArgument: made.imatrix.name } : {}),
      ...(g.kld ? { kld: g.kld } : {}),
      ...(g.parts ? { parts: { files: g.parts.map((p) => p.name), splitArgs: g.splitArgs ?? null } } : {}),
    };
  });
  const readme = generateModelCard({
    repo: request.repo.trim(),
    baseModel: request.baseModel.trim(),
    ...(request.baseModelRevision ? { baseModelRevision: request.baseModelRevision } : {}),
    ...(made.architecture ? { architecture: made.architecture } : {}),
    ...(made.unquantizedType ? { unquantizedType: made.unquantizedType } : {}),
    ...(made.sourceGguf ? { sourceGguf: made.sourceGguf } : {}),
    tool: request.tool,
    files: cards,
    ...(made.imatrix && imatrixPath
      ? {
          imatrix: {
            file: imatrixPath,
            datasets: [...made.imatrix.datasets],
            ...(made.imatrix.chunks > 0 ? { chunks: made.imatrix.chunks } : {}),
            ...(made.imatrix.fromCalibration ? { madeWith: `${request.tool}'s calibration in the browser (llama-imatrix's algorithm and file format)` } : {}),
          },
        }
      : {}),
  });
  files.push({ path: 'README.md', content: new Blob([readme], { type: 'text/markdown' }) });
  return files;
}

/** One file's bytes in the panel: hashed, then uploaded. */
export interface FileProgressRow {
  path: string;
  size: number;
  hashed: number;
  uploaded: number;
}

export interface PublishProgress {
  phase: PushProgress['phase'];
  /** The file the last event was about. */
  current: string | null;
  files: FileProgressRow[];
  hashedBytes: number;
  uploadedBytes: number;
  totalBytes: number;
}

export function initialProgress(files: readonly PushFile[]): PublishProgress {
  return {
    phase: 'creating', current: null, files: files.map((f) => ({ path: f.path, size: f.content.size, hashed: 0, uploaded: 0 })),
    hashedBytes: 0, uploadedBytes: 0, totalBytes: files.reduce((a, f) => a + f.content.size, 0),
  };
}

/**
 * pushToHub reports overall counts and the file an event is about: the growth of a count since the
 * last event belongs to that file. A file stored whole without a PUT (small files go in the commit;
 * objects the storage already has are skipped) shows as uploaded once the commit is made.
 */
export function foldProgress(state: PublishProgress, p: PushProgress): PublishProgress {
  const dHashed = Math.max(0, p.hashedBytes - state.hashedBytes);
  const dUploaded = Math.max(0, p.uploadedBytes - state.uploadedBytes);
  const files = state.files.map((f) => {
    if (p.phase === 'done') return { ...f, hashed: f.size, uploaded: f.size };
    if (f.path !== p.path) return f;
    return { ...f, hashed: Math.min(f.size, f.hashed + dHashed), uploaded: Math.min(f.size, f.uploaded + dUploaded) };
  });
  // The library says "uploading" before it hashes; a file hashed to its end is what is uploading next.
  const hashedFile = p.phase === 'hashing' ? files.find((f) => f.path === p.path) : undefined;
  const phase = hashedFile && hashedFile.hashed >= hashedFile.size ? 'uploading' : p.phase;
  return {
    phase, current: p.path ?? state.current, files,
    hashedBytes: p.hashedBytes, uploadedBytes: p.phase === 'done' ? p.totalBytes : p.uploadedBytes, totalBytes: p.totalBytes,
  };
}

/** pushToHub's words are the command line's; the studio's button is "Publish". */
export function publishErrorText(message: string): string {
  return studioWords(message.replace(/Run the push again/g, 'Publish again').replace(/--private was asked/g, '"Private" is ticked'));
}

/** What the panel says the commit will hold, before it is made. */
export function plannedContents(made: { ggufs: readonly string[]; imatrix?: { name: string }; dynamic: boolean; kld: boolean }): string[] {
  return [
    ...made.ggufs,
    ...(made.imatrix ? [`the importance matrix ${made.imatrix.name}`] : []),
    ...(made.dynamic ? ['the recipe (JSON and tensor-type file)'] : []),
    `a model card (README.md)${made.kld ? ' with the measured KLD' : ''}`,
  ];
}
