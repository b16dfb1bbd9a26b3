// GGUF files through the project's GGUF reader (what reads imatrix files today, and models next).
import { layoutGguf } from '../../../src/core/gguf/gguf-header.ts';
import { readGgufInfo } from '../../../src/core/gguf/read-gguf.ts';
import { memorySource } from '../../helpers/memory-files.ts';
import type { FuzzTarget } from '../fuzz-types.ts';
import { mutateBytes } from '../mutate.ts';
import { ggufRuleViolation } from './gguf-rules.ts';

export const ggufTarget: FuzzTarget = {
  name: 'GGUF reader',
  errorNames: /model\.gguf/,
  async prepare() {
    const layout = layoutGguf([
      { key: 'general.architecture', value: { type: 'string', value: 'llama' } },
      { key: 'general.alignment', value: { type: 'u32', value: 32 } },
      { key: 'llama.block_count', value: { type: 'u32', value: 2 } },
      { key: 'llama.rope.freq_base', value: { type: 'f32', value: 10000 } },
      { key: 'general.sampling.top_k', value: { type: 'i32', value: 40 } },
      { key: 'tokenizer.ggml.add_bos_token', value: { type: 'bool', value: true } },
      { key: 'general.size', value: { type: 'u64', value: 123n } },
      { key: 'tokenizer.ggml.tokens', value: { type: 'array', itemType: 'string', value: ['<s>', 'a', 'b'] } },
      { key: 'tokenizer.ggml.token_type', value: { type: 'array', itemType: 'i32', value: [3, 1, 1] } },
    ], [
      { name: 'token_embd.weight', ne: [32, 3], type: 'F32' },
      { name: 'blk.0.attn_q.weight', ne: [32, 32], type: 'Q8_0' },
      { name: 'output_norm.weight', ne: [32], type: 'F32' },
    ], 32);
    const seed = new Uint8Array(layout.totalBytes);
    seed.set(layout.header);
    return (rng) => {
      const bytes = mutateBytes(seed, rng, { start: 0, end: layout.header.length });
      return {
        run: () => readGgufInfo(memorySource('model.gguf', bytes)),
        check: () => {
          const broken = ggufRuleViolation(bytes);
          return broken ? `accepted a file llama.cpp refuses: ${broken}` : null;
        },
      };
    };
  },
};
