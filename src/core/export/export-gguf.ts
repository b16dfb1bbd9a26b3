// Streams a GGUF file into a sink: the header first (computed from the plan alone), then each
// tensor in chunks of whole rows — read, converted to float32, checked, quantized, written. Three
// stages overlap: the bytes of the next `readAhead` chunks are fetched (a network source never
// waits for the quantizer), the current chunk is decoded and quantized, and the previous one is
// written. Only the current chunk is held as float32, so memory stays near a few chunks, not the
// largest tensor and not the model. On any failure or cancellation the sink is aborted, which
// removes the partial file.
import type { ByteSink, ModelFiles } from '../bytes-io.ts';
import { isStorableType, type GgmlTypeName, type StorableTypeName } from '../ggml-type.ts';
import { layoutGguf, type GgufLayout, type GgufTensorInfo } from '../gguf/gguf-header.ts';
import type { GgufKv } from '../gguf/gguf-value.ts';
import type { ModelPlan, PlannedTensor, TensorTypes } from '../model/plan-types.ts';
import { fetchTensorRows, tensorRowAlignment, tensorRows, type CheckedRows, type FetchedRows } from '../model/tensor-values.ts';
import { importanceForRows, matrixCount, rowsPerMatrix } from '../quant/matrix-importance.ts';
import type { RowQuantizer } from '../quant/row-quantizer.ts';
import { FILE_TYPE_OF_BASE } from '../recipe/file-type.ts';
import { assertFinite } from './finite-check.ts';
import { exportMetadata } from './gguf-metadata.ts';

/**
 * A quantizer that can also take rows as raw little-endian BF16 bytes and widen them itself (the
 * CLI's thread pool does it on its threads, off the thread that downloads). `finite` is false
 * when some value is Inf or NaN; the export then decodes the rows itself to say which.
 */
export interface Bf16RowQuantizer extends RowQuantizer {
  quantizeBf16Rows(type: GgmlTypeName, bytes: Uint8Array, cols: number, imatrix: Float32Array | null): Promise<{ data: Uint8Array; finite: boolean }>;
}

function takesBf16(quantizer: RowQuantizer): quantizer is Bf16RowQuantizer {
  return typeof (quantizer as Partial<Bf16RowQuantizer>).quantizeBf16Rows === 'function';
}

export interface ExportProgress {
  bytesWritten: number;
  totalBytes: number;
  tensorsDone: number;
  tensorCount: number;
  /** The tensor being worked on (or the last one, when done). */
  tensor: string;
}

export interface ExportOptions {
  plan: ModelPlan;
  types: TensorTypes;
  files: ModelFiles;
  quantizer: RowQuantizer;
  sink: ByteSink;
  /** Importance weights by GGUF tensor name, one per column. */
  imatrix?: ReadonlyMap<string, Float32Array> | null;
  /** llama_ftype for general.file_type; by default that of the most common quantized type. */
  fileType?: number;
  /** Keys written after general.file_type (e.g. imatrixMetadata's). */
  extraMetadata?: readonly GgufKv[];
  signal?: AbortSignal;
  onProgress?: (p: ExportProgress) => void;
  /** Float32 elements per chunk (default 4M: 16 MB); a chunk is whole rows, at least one row (or Q/K head). */
  chunkElements?: number;
  /** Chunks whose bytes are fetched ahead of the one being quantized (default 2, at least 1). */
  readAhead?: number;
}

export const DEFAULT_CHUNK_ELEMENTS = 4 * 1024 * 1024;
export const DEFAULT_READ_AHEAD = 2;

interface Chunk {
  index: number;
  tensor: PlannedTensor;
  firstRow: number;
  rowCount: number;
  last: boolean;
}

/**
 * Every tensor's rows, cut into chunks of whole rows (whole heads for Q/K permutations), never
 * across two stacked matrices (experts), which take different importance weights.
 */
function* chunksOf(tensors: readonly PlannedTensor[], chunkElements: number): Generator<Chunk> {
  for (const [index, tensor] of tensors.entries()) {
    const rows = tensorRows(tensor);
    const perMatrix = matrixCount(tensor.ne) > 1 ? rowsPerMatrix(tensor.ne) : rows;
    const align = tensorRowAlignment(tensor);
    const step = Math.max(align, Math.floor(chunkElements / tensor.ne[0]! / align) * align);
    for (let matrixStart = 0; matrixStart < rows; matrixStart += perMatrix) {
      const matrixEnd = Math.min(rows, matrixStart + perMatrix);
      for (let firstRow = matrixStart; firstRow < matrixEnd; firstRow += step) {
        const rowCount = Math.min(step, matrixEnd - firstRow);
        yield { index, tensor, firstRow, rowCount, last: firstRow + rowCount === rows };
      }
    }
  }
}

export function typeOf(types: TensorTypes, tensor: PlannedTensor): GgmlTypeName {
  const type = types.get(tensor.ggufName);
  if (!type) throw new Error(`no type chosen for tensor "${tensor.ggufName}"`);
  return type;
}

/** What the file's header holds: the metadata and every tensor's name, shape and type. */
export function ggufContents(plan: ModelPlan, types: TensorTypes, fileType?: number, extraMetadata: readonly GgufKv[] = []): { metadata: GgufKv[]; tensors: GgufTensorInfo[] } {
  return {
    metadata: exportMetadata(plan.metadata, fileType ?? dominantFileType(plan, types), extraMetadata),
    tensors: plan.tensors.map((t) => ({ name: t.ggufName, ne: t.ne, type: typeOf(types, t) })),
  };
}

/** The file's header and sizes, without reading any weights (the studio's live size). */
export function planGgufLayout(plan: ModelPlan, types: TensorTypes, fileType?: number, extraMetadata: readonly GgufKv[] = []): GgufLayout {
  const { metadata, tensors } = ggufContents(plan, types, fileType, extraMetadata);
  return layoutGguf(metadata, tensors);
}

/** llama.cpp labels a file by its main type: the type holding most quantizable weights. */
export function dominantFileType(plan: ModelPlan, types: TensorTypes): number {
  const elementsByType = new Map<GgmlTypeName, number>();
  for (const t of plan.tensors) {
    if (!t.quantizable) continue;
    const type = typeOf(types, t);
    const n = t.ne.reduce((a, b) => a * b, 1);
    elementsByType.set(type, (elementsByType.get(type) ?? 0) + n);
  }
  let best: StorableTypeName = 'F32';
  let bestCount = -1;
  for (const [type, count] of elementsByType) {
    if (count > bestCount && isStorableType(type)) [best, bestCount] = [type, count];
  }
  return FILE_TYPE_OF_BASE[best];
}

async function encodeRows(
  tensor: PlannedTensor,
  type: GgmlTypeName,
  rows: FetchedRows,
  firstRow: number,
  quantizer: RowQuantizer,
  imatrix: Float32Array | null,
): Promise<Uint8Array> {
  const cols = tensor.ne[0]!;
  // Already of the type asked for (gpt-oss's MXFP4 experts): copied, as llama-quantize copies it.
  if (rows.stored?.type === type) return rows.stored.bytes;
  if (rows.bf16 && type !== 'F32' && takesBf16(quantizer)) {
    const { data, finite } = await quantizer.quantizeBf16Rows(type, rows.bf16(), cols, imatrix);
    if (finite) return data;
  }
  const { values, finite }: CheckedRows = rows.decode();
  if (!finite) assertFinite(tensor, values, firstRow); // not checked while decoding: check (and locate) here
  if (type === 'F32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return quantizer.quantizeRows(type, values, cols, imatrix);
}

/** One file of a multi-file export: its types, file type, extra keys and sink. */
export interface ExportTarget {
  types: TensorTypes;
  sink: ByteSink;
  fileType?: number;
  extraMetadata?: readonly GgufKv[];
}

export type MultiExportOptions = Omit<ExportOptions, 'types' | 'sink' | 'fileType' | 'extraMetadata'> & { targets: readonly ExportTarget[] };

export async function exportGguf(options: ExportOptions): Promise<{ bytesWritten: number }> {
  const { types, sink, fileType, extraMetadata, ...common } = options;
  const [written] = await exportGgufs({ ...common, targets: [{ types, sink, fileType, extraMetadata }] });
  return written!;
}

/** A target's stream: its layout, what it has written, and its one write in flight. */
interface TargetStream {
  target: ExportTarget;
  layout: GgufLayout;
  bytesWritten: number;
  tensorBytesWritten: number;
  writing: Promise<void>;
}

/**
 * Several files from one read of the source (a model quantized to Q4_K_M, Q5_K_M and Q8_0 at
 * once: each chunk of rows is fetched and decoded once, then encoded and written for each file
 * in turn). Progress counts the bytes of all files. On any failure every sink is aborted.
 */
export async function exportGgufs(options: MultiExportOptions): Promise<{ bytesWritten: number }[]> {
  const { plan, targets, files, quantizer, signal, onProgress } = options;
  const streams: TargetStream[] = [];
  try {
    if (targets.length === 0) throw new Error('GGUF export: no file to write');
    for (const target of targets) {
      streams.push({ target, layout: planGgufLayout(plan, target.types, target.fileType, target.extraMetadata), bytesWritten: 0, tensorBytesWritten: 0, writing: Promise.resolve() });
      for (const t of plan.tensors) {
        const type = typeOf(target.types, t);
        if (type !== 'F32' && !quantizer.supports(type)) {
          throw new Error(`tensor "${t.ggufName}": the ${quantizer.name} backend cannot write ${type}`);
        }
      }
    }
    const totalBytes = streams.reduce((n, s) => n + s.layout.totalBytes, 0);
    const report = (tensorsDone: number, tensor: string) => onProgress?.({
      bytesWritten: streams.reduce((n, s) => n + s.bytesWritten, 0), totalBytes, tensorsDone, tensorCount: plan.tensors.length, tensor,
    });
    const write = async (stream: TargetStream, chunk: Uint8Array) => {
      signal?.throwIfAborted();
      await stream.target.sink.write(chunk);
      stream.bytesWritten += chunk.length;
    };
    const emit = async (stream: TargetStream, { index: i, tensor, last }: Chunk, data: Uint8Array) => {
      const { layout } = stream;
      await write(stream, data);
      stream.tensorBytesWritten += data.length;
      report(last ? i + 1 : i, tensor.ggufName);
      if (!last) return;
      if (stream.tensorBytesWritten !== layout.tensorSizes[i]) {
        throw new Error(`tensor "${tensor.ggufName}": encoded ${stream.tensorBytesWritten} bytes, expected ${layout.tensorSizes[i]}`);
      }
      const end = i + 1 < plan.tensors.length ? layout.tensorOffsets[i + 1]! : layout.totalBytes;
      const padding = end - layout.tensorOffsets[i]! - stream.tensorBytesWritten;
      if (padding > 0) await write(stream, new Uint8Array(padding));
      stream.tensorBytesWritten = 0;
    };

    for (const stream of streams) await write(stream, stream.layout.header);
    const chunks = chunksOf(plan.tensors, options.chunkElements ?? DEFAULT_CHUNK_ELEMENTS);
    const readAhead = Math.max(1, options.readAhead ?? DEFAULT_READ_AHEAD);
    const fetching: { chunk: Chunk; bytes: Promise<FetchedRows> }[] = [];
    const fetchAhead = () => {
      while (fetching.length < readAhead) {
        const chunk = chunks.next().value as Chunk | undefined;
        if (!chunk) return;
        const bytes = fetchTensorRows(chunk.tensor, files, chunk.firstRow, chunk.rowCount);
        bytes.catch(() => {}); // its error, if any, surfaces when it is awaited
        fetching.push({ chunk, bytes });
      }
    };
    fetchAhead();
    try {
      while (fetching.length > 0) {
        signal?.throwIfAborted();
        const { chunk, bytes } = fetching.shift()!;
        const { index: i, tensor } = chunk;
        if (chunk.firstRow === 0) report(i, tensor.ggufName);
        // Decoded once for every file (the float32 rows are the one large buffer a chunk holds).
        const rows = onceDecoded(await bytes);
        fetchAhead();
        for (const stream of streams) {
          const type = typeOf(stream.target.types, tensor);
          const imatrix = type === 'F32' ? null : importanceForRows(options.imatrix?.get(tensor.ggufName) ?? null, tensor.ne, chunk.firstRow, tensor.ggufName);
          const data = await encodeRows(tensor, type, rows, chunk.firstRow, quantizer, imatrix);
          // One write in flight per file, in order: this chunk's waits for the previous one's.
          await stream.writing;
          stream.writing = emit(stream, chunk, data);
          stream.writing.catch(() => {});
        }
      }
      for (const stream of streams) await stream.writing;
    } finally {
      // nothing may reach a sink after this function returns or aborts it
      for (const stream of streams) await stream.writing.catch(() => {});
    }
    for (const stream of streams) {
      if (stream.bytesWritten !== stream.layout.totalBytes) {
        throw new Error(`GGUF export wrote ${stream.bytesWritten} bytes, expected ${stream.layout.totalBytes}`);
      }
    }
    report(plan.tensors.length, plan.tensors.at(-1)?.ggufName ?? '');
    for (const stream of streams) await stream.target.sink.close();
    return streams.map((s) => ({ bytesWritten: s.bytesWritten }));
  } catch (error) {
    await Promise.all(targets.map((t) => t.sink.abort(error).catch(() => {})));
    throw error;
  }
}

/** The rows with their decoding done at most once, however many files encode them. */
function onceDecoded(rows: FetchedRows): FetchedRows {
  let decoded: CheckedRows | null = null;
  return { ...rows, decode: () => (decoded ??= rows.decode()) };
}
