// The export streams tensors in row chunks: the bytes must not depend on the chunk size.
import { describe, expect, it } from 'vitest';
import type { ByteSink } from '../../../src/core/bytes-io.ts';
import { exportGguf } from '../../../src/core/export/export-gguf.ts';
import { planModel } from '../../../src/core/model/plan-model.ts';
import { cpuRowQuantizer } from '../../../src/core/quant/cpu-quantizer.ts';
import { chooseMixTypes } from '../../../src/core/recipe/llama-mixes.ts';
import { nodeModelFiles } from '../../../src/io/node-files.node.ts';
import { TINY_LLAMA_10M } from '../../helpers/paths.ts';

function memorySink(): ByteSink & { bytes(): Uint8Array; aborted: boolean } {
  const parts: Uint8Array[] = [];
  let aborted = false;
  return {
    async write(chunk) {
      parts.push(chunk.slice());
    },
    async close() {},
    async abort() {
      aborted = true;
    },
    get aborted() {
      return aborted;
    },
    bytes: () => Buffer.concat(parts),
  };
}

describe('chunked export', () => {
  it('writes the same file whatever the chunk size, with progress in every chunk', async () => {
    const files = await nodeModelFiles(TINY_LLAMA_10M);
    try {
      const plan = await planModel(files);
      const types = chooseMixTypes(plan, { mix: 'Q4_0', hasImatrix: false });
      const whole = memorySink();
      await exportGguf({ plan, types, files, quantizer: cpuRowQuantizer, sink: whole, chunkElements: 1 << 26 });
      const small = memorySink();
      const progress: number[] = [];
      await exportGguf({
        plan, types, files, quantizer: cpuRowQuantizer, sink: small, chunkElements: 20_000,
        onProgress: (p) => progress.push(p.bytesWritten),
      });
      expect(Buffer.compare(small.bytes(), whole.bytes())).toBe(0);
      // token_embd alone (32000 x 256) spans hundreds of 20k-element chunks: progress moves within it.
      expect(progress.length).toBeGreaterThan(plan.tensors.length * 2);
      expect(progress.every((b, i) => i === 0 || b >= progress[i - 1]!)).toBe(true);
    } finally {
      await files.close();
    }
  });
});
