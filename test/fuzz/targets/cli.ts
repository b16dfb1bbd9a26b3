// Mutated model folders through the command line, in-process: whatever is wrong with the folder,
// `inspect` and `quantize` either succeed or fail with one line "quant-studio <cmd>: …" that is no
// internal error, and leave nothing in the output folder.
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../../src/cli/main.ts';
import type { FuzzTarget } from '../fuzz-types.ts';
import { edgeNumber, mutateBytes, mutateJson, mutateText, randomString } from '../mutate.ts';
import { storiesFolder } from './fixtures.ts';

async function runCli(args: string[]): Promise<{ code: number; stderr: string }> {
  const stderr: string[] = [];
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { stderr.push(String(chunk)); return true; }) as typeof process.stderr.write;
  try {
    return { code: await main(args), stderr: stderr.join('') };
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
  }
}

export const cliTarget: FuzzTarget = {
  name: 'CLI on mutated folders',
  errorNames: /^quant-studio (inspect|quantize): /,
  async prepare() {
    const folder = await storiesFolder();
    const root = await mkdtemp(path.join(tmpdir(), 'qs-fuzz-cli-'));
    // The worker ends with process.exit: remove the folders then, synchronously.
    process.on('exit', () => rmSync(root, { recursive: true, force: true }));
    const model = path.join(root, 'model');
    const out = path.join(root, 'out');
    await Promise.all([mkdir(model), mkdir(out)]);
    const headerEnd = 8 + Number(new DataView(folder.safetensors.buffer, folder.safetensors.byteOffset).getBigUint64(0, true));
    return (rng) => {
      const files: Record<string, string | Uint8Array> = { 'model.safetensors': folder.safetensors };
      for (const [name, json] of Object.entries(folder.json)) files[name] = JSON.stringify(json);
      const victim = rng.pick(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json', 'model.safetensors', 'imatrix', 'tensor types']);
      const extra: string[] = [];
      if (victim === 'model.safetensors') files[victim] = mutateBytes(folder.safetensors, rng, { start: 0, end: headerEnd });
      else if (victim === 'imatrix') {
        files['im.dat'] = mutateBytes(new Uint8Array([1, 0, 0, 0, 3, 0, 0, 0, 0x61, 0x62, 0x63, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0x80, 0x3f]), rng);
        extra.push('--imatrix', path.join(model, 'im.dat'));
      } else if (victim === 'tensor types') {
        files['types.txt'] = mutateText('attn_v=q8_0\nffn_.*=q4_0\n', rng, ['(.*)*x', '\\1', '=', ' ', 'iq2_xxs', '(']);
        extra.push('--tensor-type-file', path.join(model, 'types.txt'));
      } else files[victim] = mutateJson(folder.json[victim as keyof typeof folder.json], rng, (r) => (r.chance(0.7) ? edgeNumber(r) : randomString(r)));
      const quantize = victim === 'imatrix' || victim === 'tensor types' || rng.chance(0.1);
      const args = quantize ? ['quantize', model, '--type', rng.pick(['Q8_0', 'Q4_0', 'IQ2_XXS']), '--backend', 'cpu', ...extra, '-o', path.join(out, 'q.gguf')] : ['inspect', model, '--json'];
      return {
        run: async () => {
          await Promise.all(Object.entries(files).map(([name, content]) => writeFile(path.join(model, name), content)));
          const result = await runCli(args);
          const left = await readdir(out);
          await Promise.all(left.map((f) => rm(path.join(out, f), { force: true })));
          if (result.code !== 0) {
            if (left.length) throw new TypeError(`failed but left ${left.join(', ')} in the output folder`);
            if (!/^[^\n]+\n$/.test(result.stderr)) throw new TypeError(`stderr is not one line: ${JSON.stringify(result.stderr.slice(0, 300))}`);
            throw new Error(result.stderr.trim());
          }
          return result;
        },
      };
    };
  },
};
