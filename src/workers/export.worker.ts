// The export worker: the only owner of the GPUDevice. It plans a model (headers only) from a
// dropped folder or a Hub repo, then quantizes and writes the GGUF, streaming chunks to a sink
// that lives on the main thread. A Hub model is downloaded here, while the export reads it.
import * as Comlink from 'comlink';
import type { ByteSink, ModelFiles } from '../core/bytes-io.ts';
import { releaseProxies } from './release-proxies.ts';
import { carryErrorDetails } from './error-details.ts';
import { CancelledError } from '../core/cancellation.ts';
import { GGML_TYPE_NAMES, type GgmlTypeName } from '../core/ggml-type.ts';
import type { ImportanceMatrix } from '../core/imatrix/imatrix-types.ts';
import { readImatrix } from '../core/imatrix/read-imatrix.ts';
import { imatrixMetadata } from '../core/imatrix/imatrix-metadata.ts';
import type { ModelPlan, TensorTypes } from '../core/model/plan-types.ts';
import type { RowQuantizer } from '../core/quant/row-quantizer.ts';
import { planModel } from '../core/model/plan-model.ts';
import { hashImportance } from '../core/dynamic/content-hash.ts';
import type { MixName } from '../core/recipe/mix-names.ts';
import { missingImportance, missingImportanceMessage } from '../core/recipe/imatrix-needs.ts';
import { exportGgufs, ggufContents, type ExportProgress } from '../core/export/export-gguf.ts';
import { layoutGguf } from '../core/gguf/gguf-header.ts';
import type { GgufKv } from '../core/gguf/gguf-value.ts';
import { layoutShards, shardFileName, shardRanges, splitLikeGgufSplit, splitSink } from '../core/gguf/split-gguf.ts';
import { splitBlobParts } from '../io/split-blob-parts.ts';
import { cpuRowQuantizer } from '../core/quant/cpu-quantizer.ts';
import { createGpuRowQuantizer } from '../gpu/gpu-quantizer.ts';
import { describeAdapter, describeDevice, isSoftwareAdapter, requestQuantDevice } from '../gpu/device.ts';
import { gpuMemoryOf, resetGpuMemoryPeak } from '../gpu/gpu-memory.ts';
import { blobByteSource, blobModelFiles, type NamedBlob } from '../io/blob-files.ts';
import { verifiedSink } from '../io/hub/index.ts';
import { openExportCopy, type KeptFile } from '../io/export-copy.ts';
import { clearHubCache, hubCacheBytes } from '../io/opfs-cache.ts';
import { meanActivationEnergy } from './activation-energy.ts';
import { downloadListenerSlot } from './download-listener.ts';
import { HubSession, type DownloadEvent, type HubOpenRequest, type HubPin } from './hub-session.ts';
import { yieldingQuantizer } from './yielding-quantizer.ts';

export type { NamedBlob, DownloadEvent, HubOpenRequest, HubPin, KeptFile };

export interface QuantBackend {
  kind: 'gpu' | 'cpu';
  /** What the user sees: the adapter, or why the CPU is used. */
  detail: string;
  /** The GPU is a software emulation (kept only where ?backend=gpu asked for it). */
  software?: boolean;
}

export type { ExportProgress };

/** What the page learns about a loaded importance matrix (its weights stay here). */
export interface ImatrixInfo {
  entryNames: string[];
  datasets: string[];
  chunkCount: number;
  /** Per entry, the mean over columns of the imatrix values (mean squared activation). */
  meanEnergy: Record<string, number>;
  /** sha256 over the entries' names and values: what results computed with it are keyed by. */
  contentHash: string;
}

/** One file of an export (before any split): its types, file type and name. */
export interface ExportFileRequest {
  types: Map<string, GgmlTypeName>;
  /** llama_ftype written as general.file_type (the mix's). */
  fileType: number;
  /** The file's name as saved (kept with the evaluation copy). */
  fileName: string;
  /** The mix the recipe is based on (llama-quantize's Q2_K_S rule); checked before anything starts. */
  mix: MixName;
  /**
   * Split the file as llama-gguf-split --split-max-size would; `files` is how many the page
   * named (checked against the cut).
   */
  split?: { maxBytes: number; files: number };
}

export interface ExportRequest {
  /**
   * The files, all written from one read of the model: the studio's recipe first (the file the
   * evaluation measures), then any other quant levels asked for.
   */
  files: ExportFileRequest[];
  /** Weight the quantizers with the loaded importance matrix. */
  useImatrix: boolean;
}

/**
 * Where the export's files go, opened on the page as the export reaches each: numbered across
 * the request's files in order, a split file taking one number per part.
 */
export interface FileSetWriter {
  file(i: number): Promise<ByteSink & Comlink.ProxyMarked>;
}

/** A finished export's file as kept in this browser: the whole file, and a split file's parts. */
export interface ExportedFile extends KeptFile {
  /** The parts the user saved (made from the whole file's copy); null when not split. */
  parts: KeptFile[] | null;
}

interface Engine {
  backend: QuantBackend;
  quantizer: RowQuantizer;
  /** The GPU device quantizing, when there is one (its buffers' peak is reported per export). */
  device?: GPUDevice;
}

let enginePromise: Promise<Engine> | null = null;
let opened: { files: ModelFiles; plan: ModelPlan; hub: HubSession | null } | null = null;
/** Aborts a Hub open still resolving when a newer one starts. */
let opening: AbortController | null = null;
/** Where the current call (open or export) wants download events. */
const downloads = downloadListenerSlot();
let running: AbortController | null = null;
/** The loaded imatrix and its file name (recorded in the GGUF as quantize.imatrix.file). */
let imatrix: { name: string; matrix: ImportanceMatrix; contentHash: string } | null = null;
/** The last finished export's files, kept for the evaluation and the publish (OPFS or memory); or why not. */
let lastExport: { files: (ExportedFile | null)[]; problems: (string | null)[] } = { files: [], problems: ['no export has finished'] };

/** The CPU reference, sliced so a Cancel gets through during a long tensor. */
const cpuQuantizer = yieldingQuantizer(cpuRowQuantizer, () => running?.signal, {
  initialChunkElements: 16_384, targetCallMs: 100, maxChunkElements: 1 << 22,
});

/** A real GPU soon runs whole tensors in a call; SwiftShader gets calls short enough to cancel. */
const sliceGpu = (gpu: RowQuantizer) =>
  yieldingQuantizer(gpu, () => running?.signal, { initialChunkElements: 1 << 16, targetCallMs: 250, maxChunkElements: 1 << 26 });

/** GPU where it supports the type, the CPU reference for the rest (and for everything without WebGPU). */
function withCpuFallback(gpu: RowQuantizer): RowQuantizer {
  return {
    name: 'gpu',
    supports: (type) => gpu.supports(type) || cpuQuantizer.supports(type),
    quantizeRows: (type, src, cols, imatrix) =>
      (gpu.supports(type) ? gpu : cpuQuantizer).quantizeRows(type, src, cols, imatrix),
  };
}

/** Where exports run: the GPU unless it is a software emulation ('auto'), or as asked. */
export type BackendPreference = 'auto' | 'gpu' | 'cpu';

async function startEngine(preference: BackendPreference): Promise<Engine> {
  const gpu = (self.navigator as Navigator & { gpu?: GPU }).gpu;
  if (preference === 'cpu') return { backend: { kind: 'cpu', detail: 'CPU (as asked)' }, quantizer: cpuQuantizer };
  if (!gpu) return { backend: { kind: 'cpu', detail: 'CPU (this browser has no WebGPU)' }, quantizer: cpuQuantizer };
  try {
    // A lost device (driver reset, long background) gets a fresh one on the next export.
    const device = await requestQuantDevice(gpu, {
      onLost: (info) => {
        console.error(`export worker: GPU device lost (${info.reason}): ${info.message}`);
        enginePromise = null;
      },
    });
    // SwiftShader and the like run WGSL on the CPU, far slower than the CPU quantizers themselves
    // (a 10M-parameter Q4_K_M: minutes against seconds).
    const software = isSoftwareAdapter(device.adapterInfo);
    if (preference === 'auto' && software) {
      device.destroy();
      return { backend: { kind: 'cpu', detail: `CPU (WebGPU here is ${describeAdapter(device.adapterInfo)}, a software emulation: the CPU is faster)` }, quantizer: cpuQuantizer };
    }
    return { backend: { kind: 'gpu', detail: `WebGPU · ${describeDevice(device)}`, software }, quantizer: withCpuFallback(sliceGpu(createGpuRowQuantizer(device))), device };
  } catch (e) {
    return {
      backend: { kind: 'cpu', detail: `CPU (no WebGPU adapter: ${(e as Error).message})` },
      quantizer: cpuQuantizer,
    };
  }
}

let preference: BackendPreference = 'auto';

function engine(): Promise<Engine> {
  enginePromise ??= startEngine(preference);
  return enginePromise;
}

/** Sink `i` of the page's files, asked for when its first byte is ready. */
function lazyRemoteSink(writer: Comlink.Remote<FileSetWriter & Comlink.ProxyMarked>, i: number): ByteSink {
  const sink = (writer.file(i) as Promise<Comlink.Remote<ByteSink & Comlink.ProxyMarked>>).then(remoteSink);
  sink.catch(() => {});
  return {
    write: async (chunk) => (await sink).write(chunk),
    close: async () => (await sink).close(),
    abort: async (reason) => (await sink).abort(reason),
  };
}

/** How a file of the request is written: its split (if any) and the numbers of its page files. */
interface FilePlan {
  request: ExportFileRequest;
  /** The first of its page files' numbers. */
  first: number;
  split: { ranges: ReturnType<typeof shardRanges>; names: string[]; sink: (open: (i: number) => ByteSink) => ByteSink } | null;
}

/** Each file's split (split-gguf.ts), checked against the number of files the page named. */
function planFiles(plan: ModelPlan, request: ExportRequest, extraMetadata: GgufKv[]): FilePlan[] {
  let next = 0;
  return request.files.map((file) => {
    const first = next;
    if (!file.split) {
      next += 1;
      return { request: file, first, split: null };
    }
    const { metadata, tensors } = ggufContents(plan, file.types as TensorTypes, file.fileType, extraMetadata);
    const shards = splitLikeGgufSplit(metadata, tensors, { maxBytes: file.split.maxBytes });
    if (shards.length !== file.split.files) throw new Error(`${file.fileName}: the split export makes ${shards.length} files, the page named ${file.split.files}`);
    next += shards.length;
    const whole = layoutGguf(metadata, tensors);
    const layouts = layoutShards(shards, tensors);
    const prefix = file.fileName.replace(/\.gguf$/i, '');
    return {
      request: file, first,
      split: {
        ranges: shardRanges(whole, shards, layouts),
        names: shards.map((_, i) => shardFileName(prefix, i, shards.length)),
        sink: (open) => splitSink(whole, shards, layouts, open),
      },
    };
  });
}

/** A sink whose chunks cross to the main thread; each chunk is copied so it can be transferred. */
function remoteSink(writer: Comlink.Remote<ByteSink & Comlink.ProxyMarked>): ByteSink {
  return {
    write(chunk) {
      const copy = chunk.slice();
      return writer.write(Comlink.transfer(copy, [copy.buffer]));
    },
    close: () => writer.close(),
    // Errors do not always survive structured cloning; their message does.
    abort: (reason) => writer.abort(reason instanceof Error ? reason.message : String(reason ?? 'aborted')),
  };
}

/** A newer open supersedes one still reading; the open model stays until the newer one is read. */
function startOpening(): AbortController {
  opening?.abort(new CancelledError('Another model was opened'));
  const controller = new AbortController();
  opening = controller;
  return controller;
}

/**
 * The newer model's headers were read: it replaces the old one, whose connections and cache
 * locks go. An open that fails never gets here, so the model before it stays usable.
 */
async function replaceOpened(controller: AbortController, next: NonNullable<typeof opened>): Promise<void> {
  if (opening !== controller) throw new CancelledError('A newer model was opened');
  const previous = opened;
  opened = next;
  if (previous?.hub !== next.hub) await previous?.hub?.disconnect();
}

const api = {
  /** The backend exports use; `choice` (the page's ?backend=) counts before the first export only. */
  async backend(choice: BackendPreference = 'auto'): Promise<QuantBackend> {
    if (!enginePromise) preference = choice;
    return (await engine()).backend;
  },

  /** The types an export can contain: F32 is copied, everything else needs a quantizer. */
  async supportedTypes(): Promise<GgmlTypeName[]> {
    const { quantizer } = await engine();
    return GGML_TYPE_NAMES.filter((t) => t === 'F32' || quantizer.supports(t));
  },

  /** Reads an imatrix file (GGUF or legacy .dat) and keeps it for the exports that follow. */
  async loadImatrix(name: string, blob: Blob): Promise<ImatrixInfo> {
    imatrix = null;
    const loaded = await readImatrix(blobByteSource(name, blob));
    const contentHash = hashImportance(loaded.entries);
    imatrix = { name, matrix: loaded, contentHash };
    return {
      entryNames: [...loaded.entries.keys()], datasets: loaded.datasets, chunkCount: loaded.chunkCount,
      meanEnergy: meanActivationEnergy(loaded.entries), contentHash,
    };
  },

  clearImatrix(): void {
    imatrix = null;
  },

  /** The loaded importance matrix's weights, for the sensitivity worker (structured-cloned). */
  imatrixEntries(): Map<string, Float32Array> | null {
    return imatrix?.matrix.entries ?? null;
  },

  /** The weights with their content hash, read together so a measurement is labelled with what it used. */
  currentImatrix(): { entries: Map<string, Float32Array>; contentHash: string; name: string } | null {
    return imatrix ? { entries: imatrix.matrix.entries, contentHash: imatrix.contentHash, name: imatrix.name } : null;
  },

  /** Reads the headers of the dropped files and keeps them for the export. */
  async open(entries: NamedBlob[]): Promise<{ label: string; plan: ModelPlan }> {
    const controller = startOpening();
    try {
      // The label is the folder's name: the plan names the model (general.name) after it.
      const files = blobModelFiles(entries);
      const plan = await planModel(files);
      await replaceOpened(controller, { files, plan, hub: null });
      return { label: files.label, plan };
    } finally {
      if (opening === controller) opening = null;
    }
  },

  /**
   * Resolves a Hub repo's revision to a commit, lists its files and reads their headers (through
   * the OPFS cache when asked). Gated, private and missing repos fail with the Hub client's message.
   */
  async openHub(
    request: HubOpenRequest,
    onDownload: (event: DownloadEvent) => void,
  ): Promise<{ label: string; plan: ModelPlan; pin: HubPin; fileCount: number }> {
    const controller = startOpening();
    // This open's events go to this open's listener only while it is the newest open (or, once
    // opened, to whichever call, e.g. the export, listens to the session then).
    const session = new HubSession(request, (e) => {
      if (opening === controller || opened?.hub === session) downloads.emit(e);
    });
    const stopListening = downloads.listen((e) => void onDownload(e));
    try {
      const files = await session.files(controller.signal);
      const plan = await planModel(files);
      await replaceOpened(controller, { files, plan, hub: session });
      return { label: files.label, plan, pin: session.pin!, fileCount: files.names().length };
    } catch (error) {
      await session.disconnect();
      throw error;
    } finally {
      if (opening === controller) opening = null;
      // A superseded open must not take away the newer open's listener.
      stopListening();
      releaseProxies(onDownload);
    }
  },

  /** Bytes in the OPFS cache (null: this browser has none). */
  cacheSize: (): Promise<number | null> => hubCacheBytes(),

  /** Empties the OPFS cache; refused while an export holds cached files open. */
  async clearCache(): Promise<number | null> {
    if (running) throw new Error('The cache cannot be cleared while an export is running');
    await opened?.hub?.disconnect();
    await clearHubCache();
    return hubCacheBytes();
  },

  async exportModel(
    request: ExportRequest,
    writer: Comlink.Remote<FileSetWriter & Comlink.ProxyMarked>,
    onProgress: (p: ExportProgress) => void,
    onDownload?: (event: DownloadEvent) => void,
  ): Promise<{ bytesWritten: number; gpuPeakBytes: number | null }> {
    // Each export brings fresh proxies; releasing them closes their message ports.
    const releaseCallbacks = () => releaseProxies(writer, onProgress, onDownload);
    if (!opened || running || (request.useImatrix && !imatrix)) {
      releaseCallbacks();
      if (!opened) throw new Error('No model is open: drop a model folder first');
      if (running) throw new Error('An export is already running');
      throw new Error('The importance matrix is no longer loaded: load it again');
    }
    // Refused before the files are begun: the quantizer would only fail when it reached the tensor.
    const covered = request.useImatrix && imatrix ? new Set(imatrix.matrix.entries.keys()) : null;
    for (const file of request.files) {
      const missing = missingImportance(file.types as TensorTypes, file.mix, covered);
      if (missing.length > 0) {
        releaseCallbacks();
        throw new Error(`${request.files.length > 1 ? `${file.fileName}: ` : ''}${missingImportanceMessage(missing)}`);
      }
    }
    const controller = new AbortController();
    running = controller;
    const hub = opened.hub;
    const stopListening = downloads.listen(onDownload ? (e) => void onDownload(e) : null);
    const extraMetadata = request.useImatrix ? imatrixMetadata(imatrix!.matrix, imatrix!.name) : [];
    lastExport = { files: [], problems: ['an export is running'] };
    const copies: Awaited<ReturnType<typeof openExportCopy>>[] = [];
    try {
      const filePlans = planFiles(opened.plan, request, extraMetadata);
      const targets = [];
      for (const [slot, f] of filePlans.entries()) {
        const written = f.split ? f.split.sink((i) => lazyRemoteSink(writer, f.first + i)) : lazyRemoteSink(writer, f.first);
        // A Hub model's sinks check the sha256 of everything read before a file is closed.
        const userSink = hub ? verifiedSink(written, hub) : written;
        const copy = await openExportCopy(userSink, f.request.fileName, slot, filePlans.length);
        copies.push(copy);
        targets.push({ types: f.request.types as TensorTypes, fileType: f.request.fileType, extraMetadata, sink: copy.sink });
      }
      const { quantizer, device } = await engine();
      if (device) resetGpuMemoryPeak(device);
      const files = hub ? await hub.files() : opened.files;
      hub?.restartProgress();
      const results = await exportGgufs({
        plan: opened.plan,
        targets,
        imatrix: request.useImatrix ? imatrix!.matrix.entries : null,
        files,
        quantizer,
        signal: controller.signal,
        onProgress: (p) => void onProgress({ ...p }),
      });
      hub?.finishProgress();
      await hub?.commitCache();
      const kept: (ExportedFile | null)[] = [];
      for (const [i, copy] of copies.entries()) {
        const file = await copy.finish();
        const split = filePlans[i]!.split;
        kept.push(file && { ...file, parts: split ? splitBlobParts(file.blob, split.ranges, split.names) : null });
      }
      lastExport = { files: kept, problems: copies.map((c) => c.problem) };
      return { bytesWritten: results.reduce((n, r) => n + r.bytesWritten, 0), gpuPeakBytes: device ? gpuMemoryOf(device)!.peakBytes : null };
    } catch (error) {
      lastExport = { files: [], problems: [copies.find((c) => c.problem)?.problem ?? 'the export did not finish'] };
      // Stops the downloads still in flight; the next export reconnects at the same commit.
      await hub?.disconnect();
      throw error;
    } finally {
      running = null;
      stopListening();
      releaseCallbacks();
    }
  },

  /** The last finished export's first file (the studio's recipe) for the evaluation, or why there is none. */
  exportedFile: (): { file: KeptFile | null; problem: string | null } => {
    const first = lastExport.files[0];
    return { file: first ? { name: first.name, blob: first.blob } : null, problem: first ? null : lastExport.problems[0] ?? 'the export did not finish' };
  },

  /** Every file of the last finished export, for publishing; or why they are not all kept. */
  exportedFiles: (): { files: ExportedFile[] | null; problem: string | null } => {
    const missing = lastExport.files.length === 0 ? 0 : lastExport.files.findIndex((f) => !f);
    if (missing < 0) return { files: lastExport.files as ExportedFile[], problem: null };
    return { files: null, problem: lastExport.problems[missing] ?? 'the export did not finish' };
  },

  cancel(): void {
    running?.abort(new CancelledError('The export was cancelled'));
    void opened?.hub?.disconnect();
  },
};

export type ExportWorkerApi = typeof api;

// The page offers the models of a repo of several GGUFs from the error's list (error-details.ts).
carryErrorDetails();
Comlink.expose(api);
