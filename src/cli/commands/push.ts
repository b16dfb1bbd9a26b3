// quant-studio push: publish GGUF files to the Hugging Face Hub in one commit, with the importance
// matrix, the recipe (JSON and llama-quantize --tensor-type-file) and a generated model card.
// Files are streamed from disk (fs.openAsBlob + a fetch whose PUTs stream), never read whole.
// HF_TOKEN is the write token, sent to HF_ENDPOINT (default https://huggingface.co) only.
import { openAsBlob } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseRecipe, type Recipe } from '../../core/dynamic/recipe.ts';
import { recipeTensorTypeFile } from '../../core/dynamic/tensor-type-file.ts';
import { ggmlTypeById, isQuantizedType, tensorBytes } from '../../core/ggml-type.ts';
import type { GgufTensorInfo } from '../../core/gguf/gguf-header.ts';
import { ggufSplitArgs } from '../../core/gguf/split-gguf.ts';
import { readGgufInfo } from '../../core/gguf/read-gguf.ts';
import { readImatrix } from '../../core/imatrix/read-imatrix.ts';
import { isQuantizableTensor } from '../../core/model/llama-tensor-names.ts';
import { ggufShardNames } from '../../core/model/plan-gguf.ts';
import { MIXES } from '../../core/recipe/llama-mixes.ts';
import { MIX_NAMES } from '../../core/recipe/mix-names.ts';
import { isHubUri, parseHubModelSpec, splitHubFileSpec } from '../../io/hub/hub-spec.ts';
import { generateModelCard, type ModelCardFile, type ModelCardImatrix, type ModelCardInput, type ModelCardKld } from '../../io/hub/model-card.ts';
import { checkPushRepo, DEFAULT_PUSH_ENDPOINT, pushToHub, type PushFile, type PushProgress } from '../../io/hub/push-files.ts';
import { DEFAULT_RETRY_POLICY } from '../../io/hub/retry-policy.ts';
import { uploadFetch } from '../../io/hub/upload-fetch.node.ts';
import { NodeFileSource } from '../../io/node-files.node.ts';
import { parseCommandArgs } from '../args.ts';
import { CliError, inputFailure } from '../cli-error.ts';
import { positiveIntegerEnv } from '../model-source.ts';
import { clearProgressLine } from '../progress.ts';

const PACKAGE_JSON = path.resolve(import.meta.dirname, '../../../package.json');

interface LocalFile {
  /** The path in the repository. */
  repoPath: string;
  diskPath: string;
  size: number;
}

async function localFile(diskPath: string, label: string, repoPath = path.basename(diskPath)): Promise<LocalFile> {
  const info = await stat(diskPath).catch(inputFailure(`${label}${diskPath}`));
  if (!info.isFile()) throw new CliError(`${label}${diskPath}: not a regular file`);
  return { repoPath, diskPath, size: info.size };
}

/** A GGUF's tensors (name, shape, type) and metadata, from its header (no tensor data read). */
async function readHeader(file: LocalFile): Promise<{ tensors: GgufTensorInfo[]; metadata: Record<string, unknown> }> {
  const source = new NodeFileSource(file.diskPath, file.diskPath, file.size);
  try {
    let info;
    try {
      info = await readGgufInfo(source);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    const tensors = info.parsed.tensorInfos.map((t) => ({ name: t.name, ne: t.shape.map(Number), type: ggmlTypeById(Number(t.dtype))! }));
    return { tensors, metadata: info.parsed.metadata as Record<string, unknown> };
  } finally {
    await source.close();
  }
}

/**
 * Counts, bits per weight and how a GGUF was made, from its header: one file, or the parts of a
 * split one (PREFIX-0000i-of-0000n.gguf, described as the whole file llama-quantize writes, with
 * the llama-gguf-split options that cut it).
 */
async function describeGguf(
  parts: LocalFile[], recipe: { recipe: Recipe; file: string; typesFile: string } | null, imatrixRepoPath: string | null,
): Promise<{ card: ModelCardFile; architecture: string | undefined }> {
  const headers = await Promise.all(parts.map(readHeader));
  const tensors = headers.flatMap((h) => h.tensors);
  const typeCounts: Record<string, number> = {};
  const types = new Map<string, string>();
  let bits = 0;
  let weights = 0;
  for (const t of tensors) {
    typeCounts[t.type] = (typeCounts[t.type] ?? 0) + 1;
    types.set(t.name, t.type);
    bits += Number(tensorBytes(t.type, t.ne)) * 8;
    weights += t.ne.reduce((a, b) => a * b, 1);
  }
  const metadata = headers[0]!.metadata;
  const ftype = Number(metadata['general.file_type']);
  const mix = MIX_NAMES.find((m) => MIXES[m].ftype === ftype) ?? `file type ${Number.isFinite(ftype) ? ftype : '?'}`;
  const imatrixArgument = metadata['quantize.imatrix.file'];
  const usedImatrix = typeof imatrixArgument === 'string';
  const fromRecipe = recipe !== null && recipe.recipe.tensors.length === types.size && recipe.recipe.tensors.every((t) => types.get(t.name) === t.type);
  const split = parts.length > 1 ? SHARD.exec(parts[0]!.repoPath) : null;
  const architecture = typeof metadata['general.architecture'] === 'string' ? metadata['general.architecture'] : undefined;
  const card: ModelCardFile = {
    name: split ? `${split[1]}.gguf` : parts[0]!.repoPath,
    sizeBytes: parts.reduce((n, p) => n + p.size, 0),
    ...(weights > 0 ? { bitsPerWeight: bits / weights } : {}),
    method: fromRecipe
      ? { kind: 'recipe', recipeFile: recipe.file, tensorTypeFile: recipe.typesFile, baseMix: recipe.recipe.baseMix, predictedKld: recipe.recipe.predictedKld }
      : { kind: 'mix', mix },
    typeCounts,
    ...(usedImatrix ? { imatrixArgument: imatrixArgument as string, ...(imatrixRepoPath ? { imatrix: imatrixRepoPath } : {}) } : {}),
    ...(split ? { parts: { files: parts.map((p) => p.repoPath), splitArgs: ggufSplitArgs(headers.map((h) => h.tensors)) } } : {}),
  };
  return { card, architecture };
}

const SHARD = /^(.+)-(\d{5})-of-(\d{5})\.gguf$/i;

/** The GGUFs as models: single files, and the parts of each split set together (every part present, in order). */
function ggufModels(ggufs: LocalFile[]): LocalFile[][] {
  const sets = new Map<string, LocalFile[]>();
  const models: LocalFile[][] = [];
  for (const g of ggufs) {
    const m = SHARD.exec(g.repoPath);
    if (!m) {
      models.push([g]);
      continue;
    }
    const key = `${m[1]}|${m[3]}`;
    if (!sets.has(key)) models.push(sets.set(key, []).get(key)!);
    sets.get(key)!.push(g);
  }
  for (const set of models.filter((s) => SHARD.test(s[0]!.repoPath))) {
    set.sort((a, b) => (a.repoPath < b.repoPath ? -1 : 1));
    const count = Number(SHARD.exec(set[0]!.repoPath)![3]);
    const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !set.some((p) => Number(SHARD.exec(p.repoPath)![2]) === i));
    if (missing.length) throw new CliError(`${set[0]!.repoPath}: part ${missing.join(', ')} of ${count} is not among the files pushed (give every part of a split file)`);
  }
  return models;
}

/**
 * `--source-gguf`: the GGUF the files were quantized from, as the card names it. A split source is
 * named by its first part (what llama-quantize is given; any part may be named here). A local
 * file's headers tell whether its weights are already quantized (llama-quantize then needs
 * --allow-requantize); for a Hub file, --source-requantize says so.
 */
async function sourceGgufOf(spec: string, requantize: boolean): Promise<NonNullable<ModelCardInput['sourceGguf']>> {
  const label = `--source-gguf ${spec}`;
  const shardsOf = (name: string) => {
    try {
      return ggufShardNames(name);
    } catch (e) {
      throw new CliError(`${label}: ${(e as Error).message}`);
    }
  };
  if (isHubUri(spec)) {
    const { model, file } = splitHubFileSpec(spec);
    if (!file) throw new CliError(`${label}: expected hf://owner/repo[@revision]/file.gguf (the GGUF file itself)`);
    let hub;
    try {
      hub = parseHubModelSpec(model);
    } catch (e) {
      throw new CliError(`${label}: ${(e as Error).message}`);
    }
    const shards = shardsOf(file);
    return { file: shards[0]!, ...(shards.length > 1 ? { parts: shards.length } : {}), hubRepo: hub.repo, ...(hub.revision ? { revision: hub.revision } : {}), requantize };
  }
  if (!/\.gguf$/i.test(spec)) throw new CliError(`${label}: expected a .gguf file or hf://owner/repo[@revision]/file.gguf`);
  const shards = shardsOf(path.basename(spec));
  const parts = await Promise.all(shards.map((name) => localFile(path.join(path.dirname(spec), name), '--source-gguf ')));
  const headers = await Promise.all(parts.map(readHeader));
  // What llama-quantize would quantize, stored quantized already: it refuses that without --allow-requantize.
  const quantized = headers.some((h) => h.tensors.some((t) => isQuantizableTensor(t.name, t.ne) && isQuantizedType(t.type)));
  return { file: shards[0]!, ...(shards.length > 1 ? { parts: shards.length } : {}), requantize: requantize || quantized };
}

/** `--kld NAME=eval.json`: the JSON `quant-studio eval --json` prints. */
async function readKld(spec: string): Promise<[string, ModelCardKld]> {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new CliError(`--kld ${spec}: expected FILE.gguf=eval.json`);
  const [name, file] = [spec.slice(0, eq), spec.slice(eq + 1)];
  const text = await readFile(file, 'utf8').catch(inputFailure(`--kld ${file}`));
  let json: { kld?: { mean?: { value?: unknown }; median?: unknown; p99?: unknown }; sameTop?: { value?: unknown }; chunks?: unknown; contextSize?: unknown };
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CliError(`--kld ${file}: not valid JSON (${(e as Error).message})`);
  }
  const mean = json.kld?.mean?.value;
  if (typeof mean !== 'number' || !Number.isFinite(mean)) throw new CliError(`--kld ${file}: no kld.mean.value (the output of quant-studio eval --json)`);
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const kld: ModelCardKld = { mean };
  if (num(json.kld?.median) !== undefined) kld.median = num(json.kld?.median)!;
  if (num(json.kld?.p99) !== undefined) kld.p99 = num(json.kld?.p99)!;
  if (num(json.sameTop?.value) !== undefined) kld.sameTop = num(json.sameTop?.value)!;
  if (num(json.chunks) !== undefined && num(json.contextSize) !== undefined) kld.on = `${json.chunks} chunks of ${json.contextSize} tokens`;
  return [path.basename(name), kld];
}

function progressPrinter(stream: NodeJS.WriteStream): ((p: PushProgress) => void) | undefined {
  if (!stream.isTTY) return undefined;
  const started = performance.now();
  const mb = (n: number) => (n / 1e6).toFixed(1);
  return (p) => {
    const seconds = (performance.now() - started) / 1000;
    const what = p.phase === 'hashing' ? `hashing ${mb(p.hashedBytes)}` : p.phase === 'uploading' ? `uploaded ${mb(p.uploadedBytes)}` : p.phase;
    stream.write(`\r\x1b[2K${what} / ${mb(p.totalBytes)} MB  ${seconds > 0 ? mb(p.uploadedBytes / seconds) : '0'} MB/s${p.path ? `  ${p.path}` : ''}`);
  };
}

export async function pushCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, {
    private: { type: 'boolean' },
    'base-model': { type: 'string' },
    'base-revision': { type: 'string' },
    /** The unquantized GGUF type the card's llama-quantize commands start from: the model's own dtype. */
    'source-type': { type: 'string' },
    /** The GGUF the files were quantized from (a local file or hf://owner/repo[@rev]/file.gguf): the card's commands start from it. */
    'source-gguf': { type: 'string' },
    /** The --source-gguf's weights are already quantized (found from the header for a local file). */
    'source-requantize': { type: 'boolean' },
    license: { type: 'string' },
    imatrix: { type: 'string' },
    recipe: { type: 'string' },
    kld: { type: 'string', multiple: true },
    'no-card': { type: 'boolean' },
    message: { type: 'string', short: 'm' },
  });
  const [repo, ...paths] = positionals;
  if (!repo || paths.length === 0) throw new CliError('push takes a repository (owner/name) and the files to upload');
  try {
    checkPushRepo(repo);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const token = process.env.HF_TOKEN;
  if (!token) throw new CliError(`pushing to ${repo} needs a write token: set HF_TOKEN (https://huggingface.co/settings/tokens)`);
  const endpoint = process.env.HF_ENDPOINT || DEFAULT_PUSH_ENDPOINT;
  // QUANT_STUDIO_RETRY_BASE_MS: the first backoff between retried requests (doubling up to the
  // usual cap; default 500 ms). Lets the tests exercise every retry without waiting on it.
  const retryBaseMs = positiveIntegerEnv(process.env, 'QUANT_STUDIO_RETRY_BASE_MS');

  // Every input checked before any request.
  const files = await Promise.all(paths.map((p) => localFile(p, '')));
  const imatrix = values.imatrix ? await localFile(values.imatrix, '--imatrix ') : null;
  const recipeFile = values.recipe ? await localFile(values.recipe, '--recipe ') : null;
  let recipe: { recipe: Recipe; file: string; typesFile: string; typesText: string } | null = null;
  if (recipeFile) {
    const text = await readFile(recipeFile.diskPath, 'utf8').catch(inputFailure(`--recipe ${recipeFile.diskPath}`));
    let parsed: Recipe;
    try {
      parsed = parseRecipe(text, `--recipe ${recipeFile.diskPath}`);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    const typesFile = `${recipeFile.repoPath.replace(/\.json$/i, '')}.tensor-types.txt`;
    recipe = { recipe: parsed, file: recipeFile.repoPath, typesFile, typesText: recipeTensorTypeFile(parsed) };
  }
  const klds = new Map(await Promise.all((values.kld ?? []).map(readKld)));
  const ggufs = files.filter((f) => /\.gguf$/i.test(f.repoPath));
  for (const name of klds.keys()) {
    const whole = (g: LocalFile) => SHARD.exec(g.repoPath)?.[1] + '.gguf';
    if (!ggufs.some((g) => g.repoPath === name || whole(g) === name)) throw new CliError(`--kld ${name}: not one of the GGUF files pushed`);
  }
  const sourceType = (values['source-type'] ?? 'BF16').toUpperCase();
  if (sourceType !== 'BF16' && sourceType !== 'F16' && sourceType !== 'F32') throw new CliError(`--source-type ${values['source-type']}: expected BF16, F16 or F32 (the model's own dtype)`);
  if (values['source-requantize'] && !values['source-gguf']) throw new CliError('--source-requantize describes the --source-gguf: give it');
  const sourceGguf = values['source-gguf'] ? await sourceGgufOf(values['source-gguf'], values['source-requantize'] ?? false) : undefined;
  const hasCard = files.some((f) => f.repoPath === 'README.md');
  const card = !values['no-card'] && !hasCard;
  if (card && !values['base-model']) throw new CliError('--base-model <owner/name> is required for the model card (its base_model); or give a README.md, or --no-card');

  const upload: PushFile[] = [];
  for (const f of [...files, ...(imatrix ? [imatrix] : []), ...(recipeFile ? [recipeFile] : [])]) {
    upload.push({ path: f.repoPath, content: await openAsBlob(f.diskPath) });
  }
  if (recipe) upload.push({ path: recipe.typesFile, content: new Blob([recipe.typesText]) });
  if (card) {
    const version = (JSON.parse(await readFile(PACKAGE_JSON, 'utf8')) as { version: string }).version;
    const described: ModelCardFile[] = [];
    let architecture: string | undefined;
    for (const parts of ggufModels(ggufs)) {
      const g = parts[0]!;
      // One read of each header gives both the card's row and the architecture.
      const { card: d, architecture: arch } = await describeGguf(parts, recipe, imatrix?.repoPath ?? null);
      const kld = klds.get(d.name) ?? klds.get(g.repoPath);
      described.push(kld ? { ...d, kld } : d);
      architecture ??= arch;
    }
    let imatrixCard: ModelCardImatrix | undefined;
    if (imatrix) {
      const src = new NodeFileSource(imatrix.diskPath, imatrix.diskPath, imatrix.size);
      try {
        const im = await readImatrix(src);
        imatrixCard = { file: imatrix.repoPath, datasets: im.datasets, ...(im.chunkCount > 0 ? { chunks: im.chunkCount } : {}) };
      } catch (e) {
        throw new CliError(`--imatrix ${imatrix.diskPath}: ${(e as Error).message}`);
      } finally {
        await src.close();
      }
    }
    const readme = generateModelCard({
      repo, baseModel: values['base-model']!, tool: `quant-studio ${version}`, files: described, unquantizedType: sourceType,
      ...(values['base-revision'] ? { baseModelRevision: values['base-revision'] } : {}),
      ...(values.license ? { license: values.license } : {}),
      ...(architecture ? { architecture } : {}),
      ...(imatrixCard ? { imatrix: imatrixCard } : {}),
      ...(sourceGguf ? { sourceGguf } : {}),
    });
    upload.push({ path: 'README.md', content: new Blob([readme]) });
  }

  try {
    const result = await pushToHub({
      repo, token, endpoint, private: values.private ?? false, files: upload,
      ...(values.message ? { commitTitle: values.message } : {}),
      ...(retryBaseMs === undefined ? {} : { retryPolicy: { ...DEFAULT_RETRY_POLICY, baseDelayMs: retryBaseMs } }),
      fetch: uploadFetch(),
      onProgress: progressPrinter(process.stderr),
      onRetry: process.env.QUANT_STUDIO_DEBUG ? (r) => process.stderr.write(`retrying ${r.path} in ${r.delayMs} ms (attempt ${r.attempt}: ${r.reason})\n`) : undefined,
    });
    process.stderr.write(clearProgressLine());
    process.stdout.write(`${result.created ? 'created' : 'updated'} ${result.repoUrl}${values.private ? ' (private)' : ''}: ${upload.length} files in commit ${result.commitOid}\n`);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}
