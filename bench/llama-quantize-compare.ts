// Quantization throughput of our CLI (CPU path) and of llama.cpp's llama-quantize (all cores) on
// the same tensors, same machine, same run: two rows x cols matrices (token_embd and output of a
// generated one-layer model whose block tensors are only copied, via --tensor-type blk=f32).
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir, cpus } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { runLlamaTool, llamaToolPath } from '../test/helpers/llama-tools.ts';
import { generateLlamaModel } from '../test/helpers/generate-model.ts';
import { randomImatrix, writeImatrixGguf } from '../test/helpers/imatrix-file.ts';
import type { GgmlTypeName } from '../src/core/ggml-type.ts';
import { MIXES } from '../src/core/recipe/llama-mixes.ts';
import { MIX_NAMES, type MixName } from '../src/core/recipe/mix-names.ts';
import { LLAMA_QUANTIZE_IMATRIX_TYPES } from '../src/core/recipe/llama-quantize-imatrix.ts';

const REPO = path.resolve(import.meta.dirname, '..');
const MB = 1e6;

/** Wall seconds of a process run to completion; rejects with the end of its stderr when it fails. */
export function timeProcess(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`${command} ${args.join(' ')}: ${stderr.slice(-2000)}`))));
  });
}

/** The llama-quantize mix whose default type is `type` (with --pure, every tensor gets it); none for NVFP4, Q1_0… */
export const mixFor = (type: GgmlTypeName): MixName | undefined => MIX_NAMES.find((m) => MIXES[m].defaultType === type);

export async function compareWithLlamaQuantize(rows: number, cols: number, types: GgmlTypeName[]): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-lq-'));
  try {
    const model = path.join(dir, 'model');
    await generateLlamaModel(model, { hidden: cols, intermediate: 256, layers: 1, heads: cols / 128, kvHeads: 1, vocab: rows }, {
      dtype: 'F32', tokenizerFrom: path.resolve(REPO, '../shared/fixtures/stories260K'),
    });
    const f32 = path.join(dir, 'model-F32.gguf');
    await timeProcess(process.execPath, [path.join(REPO, 'bin/quant-studio.mjs'), 'quantize', model, '--type', 'F32', '--backend', 'cpu', '-o', f32]);
    const imatrix = path.join(dir, 'im.gguf');
    await writeImatrixGguf(imatrix, randomImatrix(new Map([['token_embd.weight', cols], ['output.weight', cols]]), 5), { dataset: 'random', chunkCount: 1, chunkSize: 512 });
    const inputMb = (2 * rows * cols * 4) / MB;
    console.log(`\n## Against llama-quantize: two ${rows}x${cols} float32 tensors (${inputMb.toFixed(0)} MB), llama-quantize on ${cpus().length} threads`);
    console.log('| type | imatrix | ours (CPU) MB/s | llama-quantize MB/s | ours / llama.cpp |');
    console.log('|---|---|---:|---:|---:|');
    llamaToolPath('llama-quantize');
    for (const type of types) {
      const im = LLAMA_QUANTIZE_IMATRIX_TYPES.has(type) ? ['--imatrix', imatrix] : [];
      const common = ['--pure', '--tensor-type', 'blk\\..*=f32', '--output-tensor-type', type, '--token-embedding-type', type, ...im];
      const out = path.join(dir, 'out.gguf');
      const theirs = await timeProcess(llamaToolPath('llama-quantize'), [...common, f32, out, mixFor(type)!, String(cpus().length)]);
      const ours = await timeProcess(process.execPath, [path.join(REPO, 'bin/quant-studio.mjs'), 'quantize', model, '--type', mixFor(type)!, ...common, '--backend', 'cpu', '-o', out]);
      await stat(out);
      console.log(`| ${type} | ${im.length ? 'yes' : 'no'} | ${(inputMb / ours).toFixed(1)} | ${(inputMb / theirs).toFixed(1)} | ${(theirs / ours).toFixed(2)} |`);
      await rm(out, { force: true });
    }
    void runLlamaTool;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
