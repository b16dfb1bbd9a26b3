// One big tensor (a k- or i-quant of an embedding matrix) can take minutes on a slow device,
// and a Cancel is only noticed between tensors; the CPU quantizers are synchronous besides, so
// the Cancel message cannot even be received. This wrapper quantizes a chunk of rows at a time
// and, every `sliceMs`, lets the worker's event loop run and checks the abort signal. Rows are
// quantized independently, so the bytes do not change.
import type { RowQuantizer } from '../core/quant/row-quantizer.ts';

export interface SliceOptions {
  /** Elements per inner call (at least one row): the CPU wants few, the GPU many (each call uploads and reads back). */
  chunkElements: number;
  /** How long the wrapper may run before it yields and checks the signal. */
  sliceMs: number;
}

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export function yieldingQuantizer(
  inner: RowQuantizer,
  currentSignal: () => AbortSignal | null | undefined,
  { chunkElements, sliceMs }: SliceOptions,
): RowQuantizer {
  return {
    name: inner.name,
    supports: (type) => inner.supports(type),
    async quantizeRows(type, src, cols, imatrix) {
      const rows = cols > 0 ? Math.floor(src.length / cols) : 0;
      const rowsPerChunk = Math.max(1, Math.floor(chunkElements / Math.max(1, cols)));
      // Whole-tensor validation (row length, imatrix length) stays with the inner quantizer.
      if (rows <= rowsPerChunk || rows * cols !== src.length) return inner.quantizeRows(type, src, cols, imatrix);
      const parts: Uint8Array[] = [];
      let sliceStart = performance.now();
      for (let row = 0; row < rows; row += rowsPerChunk) {
        const end = Math.min(rows, row + rowsPerChunk);
        parts.push(await inner.quantizeRows(type, src.subarray(row * cols, end * cols), cols, imatrix));
        if (performance.now() - sliceStart >= sliceMs) {
          await nextTask();
          currentSignal()?.throwIfAborted();
          sliceStart = performance.now();
        }
      }
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      return out;
    },
  };
}
