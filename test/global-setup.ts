// Runs once before any test file: builds llama.cpp's own tools (llama-quantize, llama-imatrix,
// llama-perplexity) from node-llama-cpp's bundled source, so that test files running in parallel
// never race to build them. Cached outside the repository; a few minutes the first time.
import { buildLlamaTools } from '../scripts/build-llama-tools.mjs';

export default function setup(): void {
  const bin = buildLlamaTools({ log: (m) => process.stdout.write(`[llama.cpp tools] ${m}\n`) });
  process.env.QUANT_STUDIO_LLAMA_TOOLS = bin;
}
