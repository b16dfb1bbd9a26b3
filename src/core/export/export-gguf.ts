// Streams a GGUF file into a sink: the header first (computed from the plan alone), then each
// tensor in chunks of whole rows — read, converted to float32, checked, quantized, written. The
// next chunk is read while the current one is quantized, so memory stays near two chunks, not
// the largest tensor and not the model. On any failure or cancellation the sink is aborted,
// which removes the partial file.
import type { ByteSink, ModelFiles } from '../bytes-io.ts';
import type { GgmlTypeName } from '../ggml-type.ts';
import { layoutGguf, type GgufLayout } from '../gguf/gguf-header.ts';
import type { GgufKv } from '../gguf/gguf-value.ts';
import type { ModelPlan, PlannedTensor, TensorTypes } from '../model/plan-types.ts';
import { readTensorRowsF32, tensorRowAlignment, tensorRows } from '../model/tensor-values.ts';
import type { RowQuantizer } from '../quant/row-quantizer.ts';
import { FILE_TYPE_OF_BASE } from '../recipe/file-type.ts';
import { assertFinite } from './finite-check.ts';
import { exportMetadata } from './gguf-metadata.ts';

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
}

export const DEFAULT_CHUNK_ELEMENTS = 4 * 1024 * 1024;

interface Chunk {
  index: number;
  tensor: PlannedTensor;
  firstRow: number;
  rowCount: number;
  last: boolean;
}

/** Every tensor's rows, cut into chunks of whole rows (whole heads for Q/K permutations). */
function* chunksOf(tensors: readonly PlannedTensor[], chunkElements: number): Generator<Chunk> {
  for (const [index, tensor] of tensors.entries()) {
    const rows = tensorRows(tensor);
    const align = tensorRowAlignment(tensor);
    const step = Math.max(align, Math.floor(chunkElements / tensor.ne[0]! / align) * align);
    for (let firstRow = 0; firstRow < rows; firstRow += step) {
      const rowCount = Math.min(step, rows - firstRow);
      yield { index, tensor, firstRow, rowCount, last: firstRow + rowCount === rows };
    }
  }
}

export function typeOf(types: TensorTypes, tensor: PlannedTensor): GgmlTypeName {
  const type = types.get(tensor.ggufName);
  if (!type) throw new Error(`no type chosen for tensor "${tensor.ggufName}"`);
  return type;
}

/** The file's header and sizes, without reading any weights (the studio's live size). */
export function planGgufLayout(plan: ModelPlan, types: TensorTypes, fileType?: number, extraMetadata: readonly GgufKv[] = []): GgufLayout {
  return layoutGguf(
    exportMetadata(plan.metadata, fileType ?? dominantFileType(plan, types), extraMetadata),
    plan.tensors.map((t) => ({ name: t.ggufName, ne: t.ne, type: typeOf(types, t) })),
  );
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
  let best: GgmlTypeName = 'F32';
  let bestCount = -1;
  for (const [type, count] of elementsByType) {
    if (count > bestCount && FILE_TYPE_OF_BASE[type] !== null) [best, bestCount] = [type, count];
  }
  return FILE_TYPE_OF_BASE[best] ?? 0;
}

async function encodeRows(
  tensor: PlannedTensor,
  type: GgmlTypeName,
  values: Float32Array,
  firstRow: number,
  quantizer: RowQuantizer,
  imatrix: Float32Array | null,
): Promise<Uint8Array> {
  assertFinite(tensor, values, firstRow);
  if (type === 'F32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const cols = tensor.ne[0]!;
  if (imatrix && imatrix.length !== cols) {
    throw new Error(`imatrix for "${tensor.ggufName}" has ${imatrix.length} values; the tensor has ${cols} columns`);
  }
  return quantizer.quantizeRows(type, values, cols, imatrix);
}

export async function exportGguf(options: ExportOptions): Promise<{ bytesWritten: number }> {
  const { plan, types, files, quantizer, sink, signal, onProgress } = options;
  let bytesWritten = 0;
  try {
    const layout = planGgufLayout(plan, types, options.fileType, options.extraMetadata);
    for (const t of plan.tensors) {
      const type = typeOf(types, t);
      if (type !== 'F32' && !quantizer.supports(type)) {
        throw new Error(`tensor "${t.ggufName}": the ${quantizer.name} backend cannot write ${type}`);
      }
    }
    const report = (tensorsDone: number, tensor: string) =>
      onProgress?.({ bytesWritten, totalBytes: layout.totalBytes, tensorsDone, tensorCount: plan.tensors.length, tensor });
    const write = async (chunk: Uint8Array) => {
      signal?.throwIfAborted();
      await sink.write(chunk);
      bytesWritten += chunk.length;
    };

    await write(layout.header);
    const chunks = chunksOf(plan.tensors, options.chunkElements ?? DEFAULT_CHUNK_ELEMENTS);
    const read = (c: Chunk | undefined) => {
      const p = c ? readTensorRowsF32(c.tensor, files, c.firstRow, c.rowCount) : null;
      p?.catch(() => {}); // its error, if any, surfaces when it is awaited
      return p;
    };
    let current = chunks.next().value as Chunk | undefined;
    let pending = read(current);
    let tensorBytesWritten = 0;
    while (current) {
      signal?.throwIfAborted();
      const { index: i, tensor } = current;
      if (current.firstRow === 0) report(i, tensor.ggufName);
      const values = await pending!;
      // Read the next chunk while this one is quantized and written.
      const next = chunks.next().value as Chunk | undefined;
      pending = read(next);
      const imatrix = options.imatrix?.get(tensor.ggufName) ?? null;
      const data = await encodeRows(tensor, typeOf(types, tensor), values, current.firstRow, quantizer, imatrix);
      await write(data);
      tensorBytesWritten += data.length;
      report(current.last ? i + 1 : i, tensor.ggufName);
      if (current.last) {
        if (tensorBytesWritten !== layout.tensorSizes[i]) {
          throw new Error(`tensor "${tensor.ggufName}": encoded ${tensorBytesWritten} bytes, expected ${layout.tensorSizes[i]}`);
        }
        const end = i + 1 < plan.tensors.length ? layout.tensorOffsets[i + 1]! : layout.totalBytes;
        const padding = end - layout.tensorOffsets[i]! - tensorBytesWritten;
        if (padding > 0) await write(new Uint8Array(padding));
        tensorBytesWritten = 0;
      }
      current = next;
    }
    if (bytesWritten !== layout.totalBytes) {
      throw new Error(`GGUF export wrote ${bytesWritten} bytes, expected ${layout.totalBytes}`);
    }
    report(plan.tensors.length, plan.tensors.at(-1)?.ggufName ?? '');
    await sink.close();
    return { bytesWritten };
  } catch (error) {
    await sink.abort(error).catch(() => {});
    throw error;
  }
}
