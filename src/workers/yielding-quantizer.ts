// One big tensor (a k- or i-quant of an embedding matrix) can take minutes on a slow device,
// and a Cancel is only noticed between tensors; the CPU quantizers are synchronous besides, so
// the Cancel message cannot even be received. This wrapper quantizes a chunk of rows at a time,
// sized so each call takes about `targetCallMs` on this device, checks the abort signal after
// each call and lets the worker's event loop run at least every `targetCallMs`. Rows are
// quantized independently, so the bytes do not change.
import { concatBytes } from '../core/concat-bytes.ts';
import type { RowQuantizer } from '../core/quant/row-quantizer.ts';

export interface SliceOptions {
  /** Elements in the first call of a tensor; later calls are resized by how long it took. */
  initialChunkElements: number;
  /** The time one call should take: what a Cancel may wait for. */
  targetCallMs: number;
  /** Never more per call (the GPU uploads and reads back each call's data). */
  maxChunkElements: number;
}

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export function yieldingQuantizer(
  inner: RowQuantizer,
  currentSignal: () => AbortSignal | null | undefined,
  options: SliceOptions,
): RowQuantizer {
  const { initialChunkElements, targetCallMs, maxChunkElements } = options;
  // Learnt across tensors: the speed of a type on this device barely changes between them.
  const learntRows = new Map<string, number>();
  return {
    name: inner.name,
    supports: (type) => inner.supports(type),
    async quantizeRows(type, src, cols, imatrix) {
      const rows = cols > 0 ? Math.floor(src.length / cols) : 0;
      const maxRows = Math.max(1, Math.floor(maxChunkElements / Math.max(1, cols)));
      const key = `${type}/${cols}`;
      let chunkRows = learntRows.get(key) ?? Math.max(1, Math.floor(initialChunkElements / Math.max(1, cols)));
      // Whole-tensor validation (row length, imatrix length) stays with the inner quantizer.
      if (rows <= chunkRows || rows * cols !== src.length) return inner.quantizeRows(type, src, cols, imatrix);
      const parts: Uint8Array[] = [];
      let lastYield = performance.now();
      for (let row = 0; row < rows; ) {
        const end = Math.min(rows, row + chunkRows);
        const started = performance.now();
        parts.push(await inner.quantizeRows(type, src.subarray(row * cols, end * cols), cols, imatrix));
        const now = performance.now();
        // Resize towards the target, at most x4 per step so one odd timing cannot swing it far.
        const scale = Math.min(4, Math.max(0.25, targetCallMs / Math.max(0.01, now - started)));
        chunkRows = Math.min(maxRows, Math.max(1, Math.round((end - row) * scale)));
        row = end;
        if (now - lastYield >= targetCallMs) {
          await nextTask();
          lastYield = performance.now();
        }
        currentSignal()?.throwIfAborted();
      }
      learntRows.set(key, chunkRows);
      return concatBytes(parts);
    },
  };
}
