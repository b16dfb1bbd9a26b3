// Where the CLI's model comes from: a folder or GGUF file on disk, or "hf://owner/repo[@revision][/file.gguf]" streamed
// from the Hugging Face Hub (HF_ENDPOINT, HF_TOKEN) with node:crypto for the sha256 checks.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ByteSink, ModelFiles } from '../core/bytes-io.ts';
import { ggufModelView, isGgufFileName } from '../core/model/plan-gguf.ts';
import { openHubModelFiles, verifiedSink, type HubModelFiles } from '../io/hub/hub-model-files.ts';
import { isHubUri, parseHubModelSpec, splitHubFileSpec } from '../io/hub/hub-spec.ts';
import type { HashFactory } from '../io/hub/sha256-verifier.ts';
import { nodeModelFiles } from '../io/node-files.node.ts';
import { CliError } from './cli-error.ts';

export type ModelSource = ModelFiles & {
  close(): Promise<void>;
  /** The sink to export into: for a Hub model, its close() first checks the downloaded files' sha256. */
  guardSink(sink: ByteSink): ByteSink;
};

const nodeSha256: HashFactory = () => {
  const h = createHash('sha256');
  return { update: (bytes) => void h.update(bytes), digestHex: () => h.digest('hex') };
};

/** A QUANT_STUDIO_* tuning variable: undefined when unset or empty, else a whole number ≥ 1. */
export function positiveIntegerEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${name}=${value}: expected a positive whole number`);
  return n;
}

function downloadReporter(stream: NodeJS.WriteStream): Parameters<typeof openHubModelFiles>[0]['onProgress'] {
  if (!stream.isTTY) return undefined;
  return (p) => {
    if (p.file.bytes < p.file.size) return;
    const mb = p.file.size / 1e6;
    stream.write(`\r\x1b[2Kdownloaded ${p.file.file}: ${mb.toFixed(1)} MB at ${(p.file.bytesPerSecond / 1e6).toFixed(1)} MB/s\n`);
  };
}

export async function openHubSource(spec: string, env: NodeJS.ProcessEnv = process.env): Promise<HubModelFiles & ModelSource> {
  let parsed;
  try {
    parsed = parseHubModelSpec(spec);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const files = await openHubModelFiles({
    ...parsed,
    endpoint: env.HF_ENDPOINT || undefined,
    token: env.HF_TOKEN || undefined,
    fetch: globalThis.fetch,
    createHash: nodeSha256,
    maxInFlight: positiveIntegerEnv(env, 'QUANT_STUDIO_HUB_CONNECTIONS'),
    verifyBufferBytes: ((n) => (n === undefined ? undefined : n * 1024 * 1024))(positiveIntegerEnv(env, 'QUANT_STUDIO_HUB_VERIFY_BUFFER_MB')),
    onProgress: downloadReporter(process.stderr),
    onRetry: env.QUANT_STUDIO_DEBUG
      ? (r) => process.stderr.write(`retrying ${r.name} in ${r.delayMs} ms (attempt ${r.attempt}: ${r.reason})\n`)
      : undefined,
  });
  const close = files.close;
  return Object.assign(files, {
    guardSink: (sink: ByteSink) => verifiedSink(sink, files),
    async close() {
      // For benchmarks: how much was downloaded, and how much of it only to check sha256.
      if (env.QUANT_STUDIO_HUB_STATS) process.stderr.write(`hub-stats ${JSON.stringify(files.stats())}\n`);
      await close();
    },
  });
}

/** Narrows a folder or repo to one GGUF model: its file, or the shards of its split set. */
function onlyGguf<T extends ModelFiles>(files: T, name: string, label: string): T {
  let view: ModelFiles;
  try {
    // The view reads through the folder's own methods, which the assignment below replaces.
    view = ggufModelView({ label: files.label, names: files.names.bind(files), open: files.open.bind(files) }, name, label);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  return Object.assign(files, { label: view.label, names: view.names, open: view.open });
}

/**
 * `spec`: a model folder, a GGUF file (any shard of a split one), hf://owner/repo[@revision], or
 * hf://owner/repo[@revision]/file.gguf.
 */
export async function openModelSource(spec: string): Promise<ModelSource> {
  if (isHubUri(spec)) {
    const { model, file } = splitHubFileSpec(spec);
    const files = await openHubSource(model);
    return file ? onlyGguf(files, file, `${files.label}/${file}`) : files;
  }
  if (isGgufFileName(spec)) {
    const files = await nodeModelFiles(path.dirname(spec));
    return Object.assign(onlyGguf(files, path.basename(spec), path.basename(spec)), { guardSink: (sink: ByteSink) => sink });
  }
  const files = await nodeModelFiles(spec);
  return Object.assign(files, { guardSink: (sink: ByteSink) => sink });
}
