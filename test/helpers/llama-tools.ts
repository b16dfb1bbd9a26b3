// llama.cpp's own command-line tools, built once from node-llama-cpp's bundled source into a
// cache outside the repository (scripts/build-llama-tools.mjs).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildLlamaTools } from '../../scripts/build-llama-tools.mjs';

let binDir: string | null = null;

export type LlamaTool = 'llama-quantize' | 'llama-imatrix' | 'llama-perplexity' | 'llama-gguf-split';

export function llamaToolPath(tool: LlamaTool): string {
  // Built once by test/global-setup.ts under vitest; outside it (benchmarks) build or reuse here.
  binDir ??= process.env.QUANT_STUDIO_LLAMA_TOOLS ?? buildLlamaTools();
  return path.join(binDir, tool);
}

export async function runLlamaTool(tool: LlamaTool, args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await promisify(execFile)(llamaToolPath(tool), args, { maxBuffer: 256 << 20 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${tool} ${args.join(' ')} failed: ${err.message}\n${err.stderr?.slice(-4000) ?? ''}`);
  }
}
