// Single-core speed of the CPU quantizers against llama.cpp on one thread, same rows, same
// importance weights: M weights per CPU second. The rows are token_embd and output of a generated
// one-layer model (gaussian, σ 0.02); its block tensors stay f32 (copied). CPU time, not wall
// time, so that other load on a shared machine hardly moves the figures. Each side's best of
// BENCH_RUNS runs (default 3) in each of two turns counts, and the bytes are compared as a sanity
// check.
// Two llama.cpp figures:
// - ggml_quantize_chunk: the function llama-quantize calls per tensor, timed alone by a small C
//   program (ggml-quantize-speed.c) built against the llama tools' own static library. This is
//   the per-core comparison: no process start, model load, file I/O or one-time setup in it.
// - llama-quantize: the whole run minus a run that only copies the same tensors as f32 (process
//   start, model load and file I/O). For the fast types that subtraction is rough (the copy
//   writes more bytes than a quantized file), and for the i-quants the run includes building the
//   lattice search tables (ggml_quantize_init: all neighbour lists up front), shown on its own.
// Ours is the quantizeRowsCpuInto calls alone, into buffers allocated once (the i-quants' lazily
// built tables are warm after the first run). Each type runs without and with the importance
// matrix where its quantizer uses one (only with it where ggml requires it, only without where
// ggml ignores it).
// Run: node --import ./bin/register-ts.mjs bench/cpu-quant-speed.ts [rows >= 512] [cols] [types,...]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { gguf } from '@huggingface/gguf';
import { GGML_TYPES, type GgmlTypeName } from '../src/core/ggml-type.ts';
import { quantizeRowsCpuInto, quantizedRowsBytes } from '../src/core/quant/cpu-quantizer.ts';
import { MIXES } from '../src/core/recipe/llama-mixes.ts';
import { MIX_NAMES, type MixName } from '../src/core/recipe/mix-names.ts';
import { llamaToolPath } from '../test/helpers/llama-tools.ts';
import { generateLlamaModel } from '../test/helpers/generate-model.ts';
import { randomImatrix, writeImatrixGguf } from '../test/helpers/imatrix-file.ts';

const REPO = path.resolve(import.meta.dirname, '..');
const TENSORS = ['token_embd.weight', 'output.weight'];
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** CPU seconds (user + system) that `command` and its children took: a shared machine's load hardly moves them. */
function cpuSecondsOf(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    // bash's `times` prints the shell's, then its children's, user and system times.
    const child = spawn('bash', ['-c', '"$@" > /dev/null 2>&1 || exit 1; times', '_', command, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('exit', (code) => {
      const times = stdout.trim().split('\n').at(-1)!.split(' ').map((t) => {
        const m = /^(\d+)m([\d.]+)s$/.exec(t);
        return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
      });
      if (code === 0 && times.length === 2 && times.every(Number.isFinite)) resolve(times[0]! + times[1]!);
      else reject(new Error(`${command} ${args.join(' ')} failed (exit ${code})`));
    });
  });
}

/**
 * CPU seconds of this process spent in f (one thread computing: its wall time on an idle core).
 * The process's CPU time counts V8's background threads too: a collection first (with
 * --expose-gc) keeps garbage from earlier steps from being collected during f.
 */
function cpuSecondsIn(f: () => void): number {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.cpuUsage();
  f();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

async function best(runs: number, f: () => Promise<number>): Promise<number> {
  let t = Infinity;
  for (let i = 0; i < runs; i++) t = Math.min(t, await f());
  return t;
}

/** Where each named tensor's data starts in a GGUF (the bytes run on to the end: callers cut them). */
async function readTensors(file: string, names: string[]): Promise<Map<string, Uint8Array>> {
  const bytes = new Uint8Array(await readFile(file));
  const { tensorInfos, tensorDataOffset } = await gguf(file, { allowLocalFile: true });
  return new Map(names.map((name) => {
    const info = tensorInfos.find((t) => t.name === name)!;
    return [name, bytes.subarray(Number(tensorDataOffset) + Number(info.offset))];
  }));
}

// The two tensors take the type from --output-tensor-type / --token-embedding-type, so a type that is
// no mix's default (NVFP4) runs under any quantized mix.
const mixFor = (type: GgmlTypeName): MixName => MIX_NAMES.find((m) => MIXES[m].defaultType === type) ?? 'Q8_0';

/** Every type a model tensor can be quantized to, in llama-quantize's order of size. */
export const ALL_TYPES: GgmlTypeName[] = [
  'F16', 'BF16', 'Q8_0', 'Q6_K', 'Q5_K', 'Q5_1', 'Q5_0', 'Q4_K', 'Q4_1', 'Q4_0', 'IQ4_XS', 'IQ4_NL', 'Q3_K', 'IQ3_S',
  'IQ3_XXS', 'Q2_K', 'IQ2_S', 'IQ2_XS', 'IQ2_XXS', 'IQ1_M', 'IQ1_S', 'TQ2_0', 'TQ1_0', 'MXFP4', 'NVFP4', 'Q2_0', 'Q1_0',
];

/** ggml-quantize-speed.c built against the llama tools' static ggml library (rebuilt when the source is newer). */
function ggmlTimer(): string {
  const bin = path.dirname(llamaToolPath('llama-quantize'));
  const root = path.dirname(path.dirname(bin));
  const source = path.join(REPO, 'bench/ggml-quantize-speed.c');
  const exe = path.join(bin, 'ggml-quantize-speed');
  if (existsSync(exe) && statSync(exe).mtimeMs >= statSync(source).mtimeMs) return exe;
  execFileSync('cc', [
    '-O2', source, '-I', path.join(root, 'src/ggml/include'), path.join(root, 'build/ggml/src/libggml-base.a'),
    '-lstdc++', '-lm', '-lpthread', '-fopenmp', '-o', exe,
  ], { stdio: ['ignore', 'ignore', 'inherit'] });
  return exe;
}

/**
 * ggml_quantize_chunk on one tensor's rows: its setup and best quantize CPU seconds of RUNS calls
 * (the bytes into `out`). A fresh process's first call runs several times slower: the best of
 * several discards it, as for ours.
 */
function ggmlQuantize(
  exe: string, type: GgmlTypeName, rows: number, cols: number, input: string, imatrix: string | null, out: string,
): { init: number; seconds: number } {
  const stdout = execFileSync(exe, [type.toLowerCase(), String(rows), String(cols), input, imatrix ?? '-', out, String(RUNS)], {
    encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  const value = (key: string) => Number(new RegExp(`^${key} ([\\d.]+)$`, 'm').exec(stdout)![1]);
  return { init: value('init'), seconds: value('quantize') };
}

/** The imatrix settings worth timing: those that change what the quantizer does. */
function imatrixModes(type: GgmlTypeName): boolean[] {
  const t = GGML_TYPES[type];
  return t.quantizerNeedsImatrix ? [true] : t.quantizerUsesImatrix ? [false, true] : [false];
}

export async function cpuQuantSpeed(rows: number, cols: number, types: GgmlTypeName[]): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-cpu-speed-'));
  const cli = path.join(REPO, 'bin/quant-studio.mjs');
  try {
    const model = path.join(dir, 'model');
    await generateLlamaModel(model, { hidden: cols, intermediate: 256, layers: 1, heads: cols / 128, kvHeads: 1, vocab: rows }, {
      dtype: 'F32', tokenizerFrom: path.resolve(REPO, '../shared/fixtures/stories260K'),
    });
    const f32 = path.join(dir, 'model-F32.gguf');
    await cpuSecondsOf(process.execPath, [cli, 'quantize', model, '--type', 'F32', '--backend', 'cpu', '-o', f32]);
    const imatrixEntries = randomImatrix(new Map(TENSORS.map((t) => [t, cols])), 5);
    const imatrixFile = path.join(dir, 'im.gguf');
    await writeImatrixGguf(imatrixFile, imatrixEntries, { dataset: 'random', chunkCount: 1, chunkSize: 512 });
    // What llama-quantize hands the quantizer: sum / count in float32.
    const imatrixValues = new Map([...imatrixEntries].map(([name, e]) => [name, e.sums.map((s) => Math.fround(s / e.count))]));
    const source = await readTensors(f32, TENSORS);
    const srcValues = new Map([...source].map(([name, t]) => [name, new Float32Array(t.slice(0, rows * cols * 4).buffer)]));
    const timer = ggmlTimer();
    const rawFiles = new Map<string, { input: string; imatrix: string }>();
    for (const [i, name] of TENSORS.entries()) {
      const input = path.join(dir, `rows-${i}.f32`);
      const imatrix = path.join(dir, `imatrix-${i}.f32`);
      await writeFile(input, new Uint8Array(srcValues.get(name)!.buffer));
      await writeFile(imatrix, new Uint8Array(imatrixValues.get(name)!.buffer));
      rawFiles.set(name, { input, imatrix });
    }

    const lq = llamaToolPath('llama-quantize');
    const out = path.join(dir, 'out.gguf');
    const argsFor = (type: string, im: boolean) => [
      '--pure', '--tensor-type', 'blk\\..*=f32', '--output-tensor-type', type, '--token-embedding-type', type,
      ...(im ? ['--imatrix', imatrixFile] : []),
    ];
    const copyOnly = await best(RUNS, () => cpuSecondsOf(lq, [...argsFor('f32', false), f32, out, 'F32', '1']));
    const weights = TENSORS.length * rows * cols;
    console.log(`\n## CPU quantizers, one core: ${TENSORS.length} tensors of ${rows}x${cols} (${(weights / 1e6).toFixed(1)} M weights), best of ${RUNS}`);
    console.log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}; llama-quantize's copy-only run, ${copyOnly.toFixed(2)} CPU s, subtracted`);
    console.log('| type | imatrix | ours M weights/s | ggml_quantize_chunk M weights/s | ggml / ours | llama-quantize M weights/s | llama-quantize setup CPU s | bytes equal |');
    console.log('|---|---|---:|---:|---:|---:|---:|---|');
    for (const type of types) {
      for (const im of imatrixModes(type)) {
        const theirs = await best(RUNS, () => cpuSecondsOf(lq, [...argsFor(type.toLowerCase(), im), f32, out, mixFor(type), '1'])) - copyOnly;
        const quantized = await readTensors(out, TENSORS);
        // ggml's timer and ours take turns, twice, so that a burst of other load on a shared
        // machine is less likely to hit one side only; each side's best run counts.
        let ggmlSeconds = Infinity;
        let init = Infinity;
        let ours = Infinity;
        let equal = true;
        // Into buffers allocated once, as the export's workers do (and as the C timer reuses its own).
        const dsts = new Map(TENSORS.map((name) => [name, new Uint8Array(quantizedRowsBytes(type, rows * cols, cols, null))]));
        for (let round = 0; round < 2; round++) {
          let seconds = 0;
          for (const name of TENSORS) {
            const files = rawFiles.get(name)!;
            const ggmlOut = path.join(dir, 'ggml.bin');
            const g = ggmlQuantize(timer, type, rows, cols, files.input, im ? files.imatrix : null, ggmlOut);
            seconds += g.seconds;
            init = Math.min(init, g.init);
            const ggmlBytes = new Uint8Array(await readFile(ggmlOut));
            const expected = quantized.get(name)!;
            const dst = dsts.get(name)!;
            if (Buffer.compare(ggmlBytes, expected.subarray(0, dst.length)) !== 0) equal = false;
          }
          ggmlSeconds = Math.min(ggmlSeconds, seconds);
          for (let r = 0; r < RUNS; r++) {
            let oursRun = 0;
            for (const name of TENSORS) {
              const dst = dsts.get(name)!;
              oursRun += cpuSecondsIn(() => quantizeRowsCpuInto(type, srcValues.get(name)!, cols, im ? imatrixValues.get(name)! : null, dst));
              if (Buffer.compare(dst, quantized.get(name)!.subarray(0, dst.length)) !== 0) equal = false;
            }
            ours = Math.min(ours, oursRun);
          }
        }
        const mOurs = weights / ours / 1e6;
        const mGgml = weights / ggmlSeconds / 1e6;
        const mTheirs = weights / theirs / 1e6;
        console.log(`| ${type} | ${im ? 'yes' : 'no'} | ${mOurs.toFixed(2)} | ${mGgml.toFixed(2)} | ${(mGgml / mOurs).toFixed(2)} | ${mTheirs.toFixed(2)} | ${init >= 0.005 ? init.toFixed(2) : ''} | ${equal ? 'yes' : 'NO'} |`);
      }
    }
    console.log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [rows = '512', cols = '4096', types = ALL_TYPES.join(',')] = process.argv.slice(2);
  await cpuQuantSpeed(Number(rows), Number(cols), types.split(',') as GgmlTypeName[]);
}
