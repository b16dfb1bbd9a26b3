// Every llama-quantize mix, with and without an importance matrix, on both generated sources: the
// type of every tensor and whether the real run needs an imatrix, as `llama-quantize --dry-run`
// prints them, must equal `quant-studio quantize --dry-run`'s. With the row tests
// (random-rows-{blocks,iq}.test.ts: every type's bytes, with and without an imatrix) and the whole files of
// whole-files.test.ts (headers, the imatrix per tensor, every mix's file type), this proves every
// mix byte for byte without quantizing each one twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIX_NAMES } from '../../src/core/recipe/mix-names.ts';
import { runCliInProcess } from '../helpers/cli-in-process.ts';
import { runLlamaTool } from '../helpers/llama-tools.ts';
import { makeMixSources, type MixSources } from './mix-sources.ts';

let s: MixSources;
beforeAll(async () => {
  s = await makeMixSources();
}, 600_000);
afterAll(() => s?.remove());

interface DryRun { types: string[]; needsImatrix: boolean }

/** `[ 25/ 48] blk.2.attn_q.weight - [ 64, 64, 1, 1], type = f32, size = 0.02 MiB -> 0.00 MiB (q5_0)`; no "(type)" when it stays. */
const LLAMA_ROW = /^\[\s*\d+\/\s*\d+\]\s+(\S+)\s+- \[[^\]]*\], type =\s+(\w+), size =[^(]*(?:\((\w+)\))?\s*$/;
const OUR_ROW = /^\[\s*\d+\/\d+\] (\S+)\s+\[[^\]]*\] (\w+) /;

function rows(text: string, pattern: RegExp, typeOf: (m: RegExpExecArray) => string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = pattern.exec(line);
    if (m) out.push(`${m[1]} ${typeOf(m).toUpperCase()}`);
  }
  return out;
}

async function llamaDryRun(gguf: string, mix: string, imatrix: string | null): Promise<DryRun> {
  const { stdout, stderr } = await runLlamaTool('llama-quantize', ['--dry-run', ...(imatrix ? ['--imatrix', imatrix] : []), gguf, mix]);
  const text = stdout + stderr;
  return { types: rows(text, LLAMA_ROW, (m) => m[3] ?? m[2]!), needsImatrix: /will require an imatrix/.test(text) };
}

async function ourDryRun(dir: string, mix: string, imatrix: string | null): Promise<DryRun> {
  const r = await runCliInProcess(['quantize', dir, '--type', mix, '--dry-run', ...(imatrix ? ['--imatrix', imatrix] : [])]);
  expect(r.code, r.stderr).toBe(0);
  return { types: rows(r.stdout, OUR_ROW, (m) => m[2]!), needsImatrix: /needs an importance matrix/.test(r.stderr) };
}

for (const dtype of ['BF16', 'F16'] as const) {
  describe(`every mix's type table against llama-quantize --dry-run (${dtype} source${dtype === 'F16' ? ', GQA 1, tied' : ', GQA 4'})`, () => {
    for (const mix of MIX_NAMES) {
      it(mix, async () => {
        for (const imatrix of [null, s.imatrix]) {
          const [theirs, ours] = [await llamaDryRun(s.sources[dtype].gguf, mix, imatrix), await ourDryRun(s.sources[dtype].dir, mix, imatrix)];
          expect(theirs.types.length, 'llama-quantize --dry-run printed no tensor rows').toBeGreaterThan(70);
          expect(ours, `${mix}${imatrix ? ' with an imatrix' : ''}`).toEqual(theirs);
        }
      });
    }
  });
}
