// The command line as a user runs it: a child process, exit codes, stderr, files on disk.
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokenModel, SAFETENSORS_DEFECTS, withNaN } from '../helpers/bad-models.ts';
import { readGguf } from '../helpers/gguf-read.ts';
import { runCli as cli } from '../helpers/cli.ts';
import { GOLDEN_QUANT, STORIES260K } from '../helpers/paths.ts';

let work: string;
const cleanup: string[] = [];
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'cli-'));
});
afterAll(async () => {
  await Promise.all([work, ...cleanup].map((d) => rm(d, { recursive: true, force: true })));
});

describe('quant-studio inspect', () => {
  it('prints the plan as JSON', async () => {
    const { code, stdout } = await cli(['inspect', STORIES260K, '--json']);
    expect(code).toBe(0);
    const plan = JSON.parse(stdout);
    expect(plan.architecture).toBe('llama');
    expect(plan.tensors).toHaveLength(47);
    const q = plan.tensors.find((t: { gguf: string }) => t.gguf === 'blk.0.attn_q.weight');
    expect(q).toMatchObject({ hf: 'model.layers.0.self_attn.q_proj.weight', shape: [64, 64], dtype: 'F32', role: 'attn_q', type: 'F16', bytes: 64 * 64 * 2 });
  });
});

describe('quant-studio quantize', () => {
  it('writes the base type with --tensor-type overrides, first match winning', async () => {
    const out = path.join(work, 'q8.gguf');
    const { code, stderr } = await cli(['quantize', STORIES260K, '--type', 'q8_0', '--tensor-type', 'attn_v=q4_0', '--tensor-type', 'attn_.*=f16', '--backend', 'cpu', '-o', out]);
    expect(code, stderr).toBe(0);
    const file = await readGguf(out);
    expect(file.tensor('blk.0.attn_v.weight')!.type).toBe('Q4_0');
    expect(file.tensor('blk.0.attn_q.weight')!.type).toBe('F16');
    expect(file.tensor('blk.2.ffn_gate.weight')!.type).toBe('Q8_0');
    expect(file.tensor('blk.2.ffn_down.weight')!.type).toBe('F16'); // 172 columns: llama.cpp's fallback
    expect(file.tensor('blk.2.ffn_norm.weight')!.type).toBe('F32');
    expect((file.parsed.metadata as Record<string, unknown>)['general.file_type']).toBe(7);
  });

  for (const [name, defect] of Object.entries(SAFETENSORS_DEFECTS)) {
    it(`refuses a model.safetensors with ${name}, leaving no file`, async () => {
      const dir = await brokenModel(STORIES260K, { edit: defect.edit });
      cleanup.push(dir);
      const out = path.join(work, `${name.replace(/ /g, '-')}.gguf`);
      const { code, stderr } = await cli(['quantize', dir, '--type', 'q8_0', '--backend', 'cpu', '-o', out]);
      expect(code).not.toBe(0);
      expect(stderr).toMatch(defect.expect);
      await expect(access(out)).rejects.toThrow();
      expect((await readdir(work)).filter((f) => f.endsWith('.partial'))).toEqual([]);
    });
  }

  it('refuses a folder without config.json', async () => {
    const dir = await brokenModel(STORIES260K, { omit: 'config.json' });
    cleanup.push(dir);
    const out = path.join(work, 'no-config.gguf');
    const { code, stderr } = await cli(['quantize', dir, '--type', 'f16', '--backend', 'cpu', '-o', out]);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/config\.json/);
    await expect(access(out)).rejects.toThrow();
  });

  it('stops at a NaN weight, naming the tensor and element, and removes the partial file', async () => {
    const dir = await brokenModel(STORIES260K, { edit: (b) => withNaN(b) });
    cleanup.push(dir);
    const out = path.join(work, 'nan.gguf');
    const { code, stderr } = await cli(['quantize', dir, '--type', 'q4_0', '--backend', 'cpu', '-o', out]);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/blk\.1\.ffn_up\.weight.*element 77 .*NaN/);
    await expect(access(out)).rejects.toThrow();
    expect((await readdir(work)).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('explains bad arguments with a non-zero exit', async () => {
    expect((await cli(['quantize', STORIES260K, '--type', 'q9_9', '-o', path.join(work, 'x.gguf')])).stderr).toMatch(/--type q9_9: unknown type/);
    expect((await cli(['quantize', STORIES260K, '--type', 'q8_0'])).code).not.toBe(0);
    expect((await cli(['frobnicate'])).code).not.toBe(0);
  });
});

describe('quant-studio blocks', () => {
  for (const backend of ['cpu', 'gpu']) {
    it(`reproduces ggml's Q4_0 blocks with an imatrix (${backend})`, async () => {
      const out = path.join(work, `q4_0.${backend}.bin`);
      const { code, stderr } = await cli([
        'blocks', '--type', 'q4_0', '--cols', '2048', '--imatrix', path.join(GOLDEN_QUANT, 'imatrix.f32'),
        '--backend', backend, path.join(GOLDEN_QUANT, 'input.f32'), out,
      ]);
      expect(code, stderr).toBe(0);
      const ours = await readFile(out);
      const golden = await readFile(path.join(GOLDEN_QUANT, 'q4_0.imatrix.bin'));
      expect(Buffer.compare(ours, golden)).toBe(0);
    });
  }

  it('rejects a column count that does not divide the input', async () => {
    const { code, stderr } = await cli(['blocks', '--type', 'q8_0', '--cols', '2000', path.join(GOLDEN_QUANT, 'input.f32'), path.join(work, 'x.bin')]);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/--cols 2000 is not a multiple of Q8_0's block size 32/);
  });
});
