// Calibration throughput (tokens/s): our CPU imatrix collection vs llama-imatrix on the same
// model and text (stories260K and tiny-llama-10m, ctx 128, a few chunks). Prints, never fails.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { forwardModelFromPlan } from '../src/core/forward/forward-model.ts';
import { loadTextTokenizer } from '../src/core/forward/tokenize.ts';
import { planWeights } from '../src/core/forward/weights.ts';
import { collectImatrix } from '../src/core/imatrix/collect.ts';
import { planModel } from '../src/core/model/plan-model.ts';
import { nodeModelFiles } from '../src/io/node-files.node.ts';
import { exportModelFolder } from '../test/helpers/export-node.ts';
import { runLlamaTool } from '../test/helpers/llama-tools.ts';

const SHARED = path.resolve(import.meta.dirname, '../../shared');
const MODELS = ['stories260K', 'tiny-llama-10m'];
const CTX = 128;
const CHUNKS = 8;

export async function benchCalibration(log: (line: string) => void = console.log): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-calibration-'));
  try {
    const text = (await readFile(path.join(SHARED, 'fixtures/text/tinystories_val_sample.txt'), 'utf8')).slice(0, 20000);
    const textPath = path.join(dir, 'calibration.txt');
    await writeFile(textPath, text);
    log(`calibration throughput (imatrix, ctx ${CTX}, ${CHUNKS} chunks = ${CTX * CHUNKS} tokens)`);
    for (const name of MODELS) {
      const folder = path.join(SHARED, 'fixtures', name);
      const files = await nodeModelFiles(folder);
      try {
        const plan = await planModel(files);
        const tokenizer = await loadTextTokenizer(files);
        const t0 = performance.now();
        const stats = await collectImatrix(forwardModelFromPlan(plan), planWeights(plan, files), tokenizer.encode(text), { contextSize: CTX, maxChunks: CHUNKS, bos: tokenizer.bos });
        const ours = (stats.chunkCount * CTX) / ((performance.now() - t0) / 1000);
        const gguf = path.join(dir, `${name}.gguf`);
        await exportModelFolder(folder, gguf, 'F32');
        const t1 = performance.now();
        await runLlamaTool('llama-imatrix', ['-m', gguf, '-f', textPath, '-c', String(CTX), '--chunks', String(CHUNKS), '-o', path.join(dir, `${name}.imatrix.gguf`), '--no-ppl']);
        // Includes llama-imatrix's model load and tokenization (a few ms for these models).
        const theirs = (CHUNKS * CTX) / ((performance.now() - t1) / 1000);
        log(`  ${name.padEnd(16)} ours (CPU reference) ${ours.toFixed(0).padStart(8)} tok/s   llama-imatrix (CPU) ${theirs.toFixed(0).padStart(8)} tok/s`);
      } finally {
        await files.close();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchCalibration();
