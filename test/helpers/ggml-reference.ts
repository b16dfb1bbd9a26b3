// ggml's own bytes and decoded values for a type, computed at test time by ggml-reference.c built
// against the static ggml library of the llama tools (no expected bytes are stored): for types
// that llama-quantize cannot be asked for directly, or that the golden files predate.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { GgmlTypeName } from '../../src/core/ggml-type.ts';
import { llamaToolPath } from './llama-tools.ts';

const SOURCE = path.join(import.meta.dirname, 'ggml-reference.c');

/** The program, built next to the llama tools (rebuilt when the source is newer). */
function referenceProgram(): string {
  const bin = path.dirname(llamaToolPath('llama-quantize'));
  const root = path.dirname(path.dirname(bin));
  const exe = path.join(bin, 'ggml-reference');
  if (existsSync(exe) && statSync(exe).mtimeMs >= statSync(SOURCE).mtimeMs) return exe;
  // Built under a name of this process, then renamed: test files in parallel workers may both build it.
  const building = `${exe}.${process.pid}`;
  execFileSync('cc', [
    '-O2', SOURCE, '-I', path.join(root, 'src/ggml/include'), path.join(root, 'build/ggml/src/libggml-base.a'),
    '-lstdc++', '-lm', '-lpthread', '-fopenmp', '-o', building,
  ], { stdio: ['ignore', 'ignore', 'inherit'] });
  renameSync(building, exe);
  return exe;
}

export interface GgmlReference {
  /** ggml_quantize_chunk's bytes (or the blocks given). */
  bytes: Uint8Array;
  /** The type's to_float (dequantize_row_*) of those bytes. */
  values: Float32Array;
}

function run(type: GgmlTypeName, rows: number, cols: number, write: (dir: string) => [string, string, string]): GgmlReference {
  const dir = mkdtempSync(path.join(tmpdir(), 'ggml-reference-'));
  try {
    const [input, imatrix, blocks] = write(dir);
    const out = path.join(dir, 'out.bin');
    const values = path.join(dir, 'values.f32');
    execFileSync(referenceProgram(), [type.toLowerCase(), String(rows), String(cols), input, imatrix, blocks, out, values], { stdio: ['ignore', 'ignore', 'inherit'] });
    const v = readFileSync(values);
    return { bytes: new Uint8Array(readFileSync(out)), values: new Float32Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** ggml_quantize_chunk of `src` (rows of `cols`), with `imatrix` or without, and ggml's decoding of it. */
export function ggmlQuantizeChunk(type: GgmlTypeName, src: Float32Array, cols: number, imatrix: Float32Array | null): GgmlReference {
  return run(type, src.length / cols, cols, (dir) => {
    writeFileSync(path.join(dir, 'in.f32'), src);
    if (imatrix) writeFileSync(path.join(dir, 'im.f32'), imatrix);
    return [path.join(dir, 'in.f32'), imatrix ? path.join(dir, 'im.f32') : '-', '-'];
  });
}

/** ggml's decoding (dequantize_row_*) of `blocks`: `rows` rows of `cols` values of `type`. */
export function ggmlDequantize(type: GgmlTypeName, blocks: Uint8Array, rows: number, cols: number): Float32Array {
  return run(type, rows, cols, (dir) => {
    writeFileSync(path.join(dir, 'blocks.bin'), blocks);
    return ['-', '-', path.join(dir, 'blocks.bin')];
  }).values;
}
