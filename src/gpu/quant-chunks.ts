// Splits a tensor's rows into chunks that fit the device's buffer limits and keep each dispatch
// short (a long-running dispatch trips GPU watchdogs on desktop systems).

/** Default cap on float32 elements per chunk: 16 MiB of input. */
export const DEFAULT_CHUNK_ELEMENTS = 1 << 22;

export interface RowChunk {
  readonly firstRow: number;
  readonly rows: number;
}

export interface ChunkLimits {
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
  readonly maxChunkElements?: number;
}

/** Rows per chunk for rows of `cols` float32 values; throws when a single row cannot fit. */
export function rowsPerChunk(cols: number, limits: ChunkLimits): number {
  const maxBytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const byLimits = Math.floor(maxBytes / (cols * 4));
  if (byLimits < 1) {
    throw new Error(`gpu quantizer: a row of ${cols} float32 values exceeds the device buffer limit of ${maxBytes} bytes`);
  }
  const byWork = Math.max(1, Math.floor((limits.maxChunkElements ?? DEFAULT_CHUNK_ELEMENTS) / cols));
  return Math.min(byLimits, byWork);
}

export function planRowChunks(totalRows: number, cols: number, limits: ChunkLimits): RowChunk[] {
  const step = rowsPerChunk(cols, limits);
  const chunks: RowChunk[] = [];
  for (let firstRow = 0; firstRow < totalRows; firstRow += step) {
    chunks.push({ firstRow, rows: Math.min(step, totalRows - firstRow) });
  }
  return chunks;
}
