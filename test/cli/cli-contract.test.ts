// The command line's failure contract, in-process (main()): every failure is one line
// "quant-studio <cmd>: …" on stderr and a non-zero status; an output that is an input is refused
// before any work and the inputs stay as they were; a read-only or full output folder fails naming
// the path and leaves nothing behind. Signals need a real process: cli-signals.test.ts.
import { createHash } from 'node:crypto';
import { cp, link, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLine } from '../../src/cli/error-line.ts';
import { CliError } from '../../src/cli/cli-error.ts';
import { runCliInProcess as cli } from '../helpers/cli-in-process.ts';
import { GOLDEN_QUANT, STORIES260K, TEXT } from '../helpers/paths.ts';
import { fullFolder, mountSuite, readOnlyFolder, type TestFolder } from '../helpers/test-mounts.ts';

let work: string;
let model: string; // a copy: a test that failed to refuse must not damage the shared fixture
let inputs: string;
let out: string;
const input = (name: string) => path.join(inputs, name);

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'cli-contract-'));
  model = path.join(work, 'model');
  inputs = path.join(work, 'in');
  out = path.join(work, 'out');
  await cp(STORIES260K, model, { recursive: true });
  await mkdir(inputs);
  await mkdir(out);
  const text = (await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8')).slice(0, 4000);
  await writeFile(input('calib.txt'), text);
  await writeFile(input('chat.jsonl'), `${JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] })}\n`);
  await writeFile(input('im.gguf'), 'not read: the refusal comes first');
  await writeFile(input('recipe.json'), '{}');
  await writeFile(input('types.txt'), 'attn_v=q8_0\n');
  await writeFile(input('x.gguf.partial'), 'attn_q=q8_0\n');
  await writeFile(input('w.f32'), new Uint8Array(32 * 4));
  await cp(path.join(GOLDEN_QUANT, 'input.f32'), input('in.f32'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Every file under the folders as name -> sha256, to show that nothing was written or added. */
async function snapshot(...dirs: string[]): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const dir of dirs) {
    for (const name of (await readdir(dir)).sort()) {
      const file = path.join(dir, name);
      files[file] = createHash('sha256').update(await readFile(file).catch(() => Buffer.from('(not a file)'))).digest('hex');
    }
  }
  return files;
}

function expectOneLine(r: { code: number; stderr: string }, command: string, message: RegExp): void {
  expect(r.code, r.stderr).not.toBe(0);
  expect(r.stderr, 'one line on stderr').toMatch(new RegExp(`^quant-studio ${command}: [^\\n]+\\n$`));
  expect(r.stderr).toMatch(message);
}

describe('every failure is one line on stderr and a non-zero status', () => {
  const cases: [string, () => string[], RegExp][] = [
    ['inspect', () => ['inspect', path.join(work, 'no-such-model')], /no-such-model/],
    ['quantize', () => ['quantize', model, '--type', 'q9_9', '-o', path.join(out, 'x.gguf')], /--type q9_9: unknown type/],
    ['plan', () => ['plan', model, '-o', path.join(out, 'r.json')], /exactly one of --target-size/],
    ['imatrix', () => ['imatrix', model, '-o', path.join(out, 'im.gguf')], /--text <file>, --chat <file.jsonl> or --default-set is required/],
    ['eval', () => ['eval', model, path.join(work, 'missing.gguf'), '--text', input('calib.txt')], /missing\.gguf: no such file or directory \(ENOENT\)/],
    ['blocks', () => ['blocks', '--type', 'q8_0', '--cols', '2000', input('in.f32'), path.join(out, 'x.bin')], /not a multiple of Q8_0's block size/],
  ];
  for (const [command, args, message] of cases) {
    it(command, async () => {
      expectOneLine(await cli(args()), command, message);
      expect(await readdir(out)).toEqual([]);
    });
  }

  it('plan refuses an unreachable target before measuring anything', async () => {
    const r = await cli(['plan', model, '--target-size', '1000', '--text', input('calib.txt'), '--backend', 'cpu', '-o', path.join(out, 'r.json')]);
    expectOneLine(r, 'plan', /target 1000 bytes is below the smallest possible file/);
    expect(r.stderr).not.toMatch(/sensitivity measured/);
    expect(await readdir(out)).toEqual([]);
  });

  it('folds a message of several lines into one (a path with a line break in it)', async () => {
    const r = await cli(['quantize', model, '--type', 'q8_0', '--backend', 'cpu', '-o', path.join(work, 'a\nb', 'x.gguf')]);
    expectOneLine(r, 'quantize', /-o .*a; b\/x\.gguf: its folder does not exist/);
  });

  it('an unknown command is one line too', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^quant-studio: unknown command "frobnicate"[^\n]*\n$/);
  });

  it('says an engine error is an internal error, on one line and without its stack', () => {
    const line = errorLine('plan', new TypeError("Cannot read properties of undefined (reading 'ne')"));
    expect(line).toBe('quant-studio plan: internal error (a bug in quant-studio, not a fault of the input); QUANT_STUDIO_DEBUG=1 prints the details to report');
    expect(errorLine('plan', new Error('first:\n  second\nthird'))).toBe('quant-studio plan: first: second; third');
    expect(errorLine('plan', new CliError('--ctx 0: expected a positive integer'))).toBe('quant-studio plan: --ctx 0: expected a positive integer');
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/m/config.json'"), { code: 'ENOENT', syscall: 'open', path: '/m/config.json' });
    expect(errorLine('inspect', enoent)).toBe('quant-studio inspect: /m/config.json: no such file or directory (ENOENT)');
    expect(errorLine('inspect', 'a string\nthrown')).toBe('quant-studio inspect: a string; thrown');
  });
});

describe('an output that is an input is refused before any work, and no input changes', () => {
  beforeAll(async () => {
    await symlink(path.join(model, 'config.json'), path.join(out, 'link.gguf'));
    await link(input('im.gguf'), path.join(out, 'hard.gguf'));
    await mkdir(path.join(out, 'folder.gguf'));
  });
  const q = (...rest: string[]) => ['quantize', model, '--type', 'q8_0', '--backend', 'cpu', ...rest];
  const cases: [string, string, () => string[], RegExp][] = [
    ['quantize', 'onto the model file', () => q('-o', path.join(model, 'model.safetensors')), /same file as the model file .*model\.safetensors/],
    ['quantize', 'through a symlink to the model\'s config.json', () => q('-o', path.join(out, 'link.gguf')), /same file as the model file .*config\.json/],
    ['quantize', 'onto a hard link of --imatrix', () => q('--imatrix', input('im.gguf'), '-o', path.join(out, 'hard.gguf')), /same file as --imatrix/],
    ['quantize', 'onto --recipe', () => ['quantize', model, '--recipe', input('recipe.json'), '-o', path.join(inputs, '.', 'recipe.json')], /same file as --recipe/],
    ['quantize', 'onto --tensor-type-file', () => q('--tensor-type-file', input('types.txt'), '-o', input('types.txt')), /same file as --tensor-type-file/],
    ['quantize', 'whose partial file is an input', () => q('--tensor-type-file', input('x.gguf.partial'), '-o', input('x.gguf')), /partial file .*x\.gguf\.partial is --tensor-type-file/],
    ['quantize', 'that is a folder', () => q('-o', path.join(out, 'folder.gguf')), /folder\.gguf: is a folder/],
    ['quantize', 'that is a device', () => q('-o', '/dev/null'), /\/dev\/null: is not a regular file/],
    ['plan', 'onto --text', () => ['plan', model, '--target-mix', 'q8_0', '--text', input('calib.txt'), '-o', input('calib.txt')], /same file as --text/],
    ['plan', 'with its two outputs on one path', () => ['plan', model, '--target-mix', 'q8_0', '--measure', 'none', '-o', path.join(out, 'r.json'), '--tensor-type-file', path.join(out, 'r.json')], /would overwrite each other/],
    ['plan', 'with the sensitivity cache on --imatrix', () => ['plan', model, '--target-mix', 'q8_0', '--measure', 'none', '--imatrix', input('im.gguf'), '--sensitivity', input('im.gguf'), '-o', path.join(out, 'r.json')], /--sensitivity .* same file as --imatrix/],
    ['imatrix', 'onto --text', () => ['imatrix', model, '--text', input('calib.txt'), '-o', input('calib.txt')], /same file as --text/],
    ['imatrix', 'onto --chat', () => ['imatrix', model, '--chat', input('chat.jsonl'), '-o', input('chat.jsonl')], /same file as --chat/],
    ['imatrix', 'into the model folder over its tokenizer', () => ['imatrix', model, '--text', input('calib.txt'), '-o', path.join(model, 'tokenizer.json')], /same file as the model file/],
    ['blocks', 'onto its input', () => ['blocks', '--type', 'q8_0', '--cols', '2048', input('in.f32'), input('in.f32')], /output .* same file as input/],
    ['blocks', 'onto --imatrix', () => ['blocks', '--type', 'q8_0', '--cols', '32', '--imatrix', input('w.f32'), input('in.f32'), input('w.f32')], /same file as --imatrix/],
  ];
  for (const [command, what, args, message] of cases) {
    it(`${command}: an output ${what}`, async () => {
      const before = await snapshot(model, inputs, out);
      expectOneLine(await cli(args()), command, message);
      expect(await snapshot(model, inputs, out)).toEqual(before);
    });
  }
});

describe('an output folder that refuses writes: one line naming the path, nothing left', () => {
  const WRITERS = ['quantize', 'plan', 'imatrix', 'blocks'] as const;
  /** The command's arguments with its output in `dir`, and the file its failure names. */
  const writer = (command: (typeof WRITERS)[number], dir: string): { args: string[]; file: string } => {
    const file = path.join(dir, { quantize: 'out.gguf', plan: 'r.json', imatrix: 'im.gguf', blocks: 'out.bin' }[command]);
    const args = {
      quantize: ['quantize', model, '--type', 'q8_0', '--backend', 'cpu', '-o', file],
      // Both of plan's files in the folder; the recipe is written first.
      plan: ['plan', model, '--target-mix', 'q8_0', '--measure', 'none', '--backend', 'cpu', '-o', file, '--tensor-type-file', path.join(dir, 'r.txt')],
      imatrix: ['imatrix', model, '--text', input('calib.txt'), '--ctx', '64', '--chunks', '1', '-o', file],
      blocks: ['blocks', '--type', 'q8_0', '--cols', '2048', '--backend', 'cpu', input('in.f32'), file],
    }[command];
    return { args, file };
  };
  /** The last line is the failure (plan says how long it measured first); no line is a stack frame. */
  const expectFailure = (r: { code: number; stderr: string }, command: string, file: string, reason: RegExp) => {
    expect(r.code, r.stderr).not.toBe(0);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('quant-studio'))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(new RegExp(`^quant-studio ${command}: cannot write ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${reason.source}$`));
  };

  describe.skipIf(mountSuite('read-only').skip)(mountSuite('read-only').name, () => {
    let folder: TestFolder;
    beforeAll(async () => {
      folder = await readOnlyFolder(work);
    });
    afterAll(async () => folder?.release());
    for (const command of WRITERS) {
      it(command, async () => {
        const { args, file } = writer(command, folder.dir);
        expectFailure(await cli(args), command, file, /(read-only file system \(EROFS\)|permission denied \(EACCES\))/);
        expect(await readdir(folder.dir)).toEqual([]);
      });
    }
  });

  describe.skipIf(mountSuite('full').skip)(mountSuite('full').name, () => {
    let folder: TestFolder;
    beforeAll(async () => {
      folder = await fullFolder(work);
    });
    afterAll(async () => folder?.release());
    for (const command of WRITERS) {
      it(command, async () => {
        const { args, file } = writer(command, folder.dir);
        expectFailure(await cli(args), command, file, /no space left on device \(ENOSPC\)/);
        expect(await readdir(folder.dir)).toEqual(['.filler']);
      });
    }

    it('plan writes both files or neither: the recipe is not left when the tensor-type file fails', async () => {
      const recipe = path.join(out, 'all-or-nothing.json');
      const r = await cli(['plan', model, '--target-mix', 'q8_0', '--measure', 'none', '--backend', 'cpu', '-o', recipe, '--tensor-type-file', path.join(folder.dir, 'r.txt')]);
      expectFailure(r, 'plan', path.join(folder.dir, 'r.txt'), /no space left on device \(ENOSPC\)/);
      expect((await readdir(out)).filter((f) => f.startsWith('all-or-nothing'))).toEqual([]);
      expect(await readdir(folder.dir)).toEqual(['.filler']);
    });
  });
});

describe('when it succeeds', () => {
  it('plan renames both files into place and leaves no partial file', async () => {
    const r = await cli(['plan', model, '--target-mix', 'q8_0', '--measure', 'none', '--backend', 'cpu', '-o', path.join(out, 'ok.json'), '--tensor-type-file', path.join(out, 'ok.txt')]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(out)).filter((f) => f.startsWith('ok.'))).toEqual(['ok.json', 'ok.txt']);
  });
});
