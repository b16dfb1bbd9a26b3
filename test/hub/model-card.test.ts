// The generated model card: front matter the Hub reads, the file table, and llama-quantize
// commands that agree with the recipe module's own (core/dynamic/tensor-type-file.ts).
import { describe, expect, it } from 'vitest';
import { llamaQuantizeArgs } from '../../src/core/dynamic/tensor-type-file.ts';
import type { Recipe } from '../../src/core/dynamic/recipe.ts';
import { formatBytes, generateModelCard, reproduceArgs, type ModelCardFile, type ModelCardInput } from '../../src/io/hub/model-card.ts';

const mix: ModelCardFile = { name: 'm-Q4_K_M.gguf', sizeBytes: 1_234_567_890, bitsPerWeight: 4.8512, method: { kind: 'mix', mix: 'Q4_K_M' }, typeCounts: { Q4_K: 96, Q6_K: 17, F32: 49 } };
const input: ModelCardInput = { repo: 'me/m-GGUF', baseModel: 'org/m', tool: 'quant-studio 0.1.0', files: [mix] };

describe('generateModelCard', () => {
  it('front matter: base_model, quantized relation, tags, quantized_by, in YAML that quotes what it must', () => {
    const card = generateModelCard({ ...input, baseModel: 'org/m: "x"', license: 'apache-2.0' });
    const front = card.split('\n---\n')[0]!;
    expect(front).toContain('base_model: "org/m: \\"x\\""');
    expect(front).toContain('base_model_relation: quantized');
    expect(front).toContain('license: "apache-2.0"');
    expect(front).toMatch(/tags:\n- gguf\n- quantized\n- quant-studio\n/);
    expect(front).toContain('quantized_by: quant-studio');
    expect(front).toContain('  methods:\n  - "Q4_K_M"');
  });

  it('the table: size, bits per weight, types; no KLD column when nothing was measured', () => {
    const card = generateModelCard(input);
    expect(card).toContain('| File | Size | Bits per weight | Method | Tensor types |');
    expect(card).toContain('| [m-Q4_K_M.gguf](./m-Q4_K_M.gguf) | 1.23 GB | 4.85 | Q4_K_M | Q4_K×96, F32×49, Q6_K×17 |');
    expect(card).not.toContain('KLD');
  });

  it('a KLD column where one file was measured, — for the others', () => {
    const card = generateModelCard({ ...input, files: [mix, { ...mix, name: 'b.gguf', kld: { mean: 0.0312, sameTop: 0.9 } }] });
    expect(card).toContain('| File | Size | Bits per weight | KLD (mean) | Method | Tensor types |');
    expect(card).toMatch(/\| \[m-Q4_K_M\.gguf\]\(\.\/m-Q4_K_M\.gguf\) \| 1\.23 GB \| 4\.85 \| — \|/);
    expect(card).toMatch(/\| \[b\.gguf\]\(\.\/b\.gguf\) \| 1\.23 GB \| 4\.85 \| 0\.0312 \|/);
    expect(card).toContain('- b.gguf: same top token 90.0%');
  });

  it('a table per text domain where the evaluation measured more than one', () => {
    const domains = [{ name: 'prose', mean: 0.0312, p99_9: 0.41, sameTop: 0.9 }, { name: 'code|py', mean: 0.0501, p99_9: 0.77, sameTop: 0.875 }];
    const card = generateModelCard({ ...input, files: [mix, { ...mix, name: 'b.gguf', kld: { mean: 0.0312, sameTop: 0.9, domains } }] });
    expect(card).toContain('| File | Domain | KLD (mean) | KLD (99.9%) | Same top token |');
    expect(card).toContain('| b.gguf | prose | 0.0312 | 0.410 | 90.0% |');
    expect(card).toContain('| b.gguf | code\\|py | 0.0501 | 0.770 | 87.5% |');
    expect(generateModelCard({ ...input, files: [{ ...mix, kld: { mean: 0.0312 } }] })).not.toContain('Per text domain');
  });

  it('cells and shell words are escaped', () => {
    const odd = { ...mix, name: "a|b c'.gguf" };
    const card = generateModelCard({ ...input, files: [odd] });
    expect(card).toContain('[a\\|b c\'.gguf](./a%7Cb%20c\'.gguf)');
    expect(card).toContain(`llama-quantize m-BF16.gguf 'a|b c'\\''.gguf' Q4_K_M`);
  });

  it('a recipe file is reproduced with the arguments core/dynamic gives llama-quantize', () => {
    const file: ModelCardFile = { ...mix, name: 'dyn.gguf', imatrix: 'imatrix.gguf', method: { kind: 'recipe', recipeFile: 'r.json', tensorTypeFile: 'r.tensor-types.txt', baseMix: 'Q4_K_M' } };
    const expected = llamaQuantizeArgs({ baseMix: 'Q4_K_M' } as Recipe, { input: 'm-BF16.gguf', output: 'dyn.gguf', tensorTypeFile: 'r.tensor-types.txt', imatrix: 'imatrix.gguf' });
    expect(reproduceArgs(file, 'm-BF16.gguf')).toEqual(expected);
    expect(generateModelCard({ ...input, files: [file] })).toContain(`llama-quantize ${expected.join(' ')}`);
  });

  it('the imatrix: described, passed to llama-quantize, and the recorded argument noted when it differs', () => {
    const file = { ...mix, imatrix: 'imatrix.gguf', imatrixArgument: '/tmp/x/im.gguf' };
    const card = generateModelCard({ ...input, baseModelRevision: 'r1', files: [file], imatrix: { file: 'imatrix.gguf', datasets: ['wiki.train.raw'], chunks: 100 } });
    expect(card).toContain('Calibration data: `wiki.train.raw`, 100 chunks.');
    expect(card).toContain('npx quant-studio quantize hf://org/m@r1 --type BF16 -o m-BF16.gguf');
    expect(card).toContain('llama-quantize --imatrix imatrix.gguf m-BF16.gguf m-Q4_K_M.gguf Q4_K_M');
    expect(card).toContain('m-Q4_K_M.gguf: `/tmp/x/im.gguf`');
    // Made with an imatrix that is not pushed: said so, and its recorded path used.
    const absent = generateModelCard({ ...input, files: [{ ...mix, imatrixArgument: 'im.dat' }] });
    expect(absent).toContain('Q4_K_M + imatrix (not in this repository)');
    expect(absent).toContain('llama-quantize --imatrix im.dat m-BF16.gguf m-Q4_K_M.gguf Q4_K_M');
  });

  it('a GGUF source: llama-quantize starts from that file, downloaded from its repository, with --allow-requantize when it is quantized', () => {
    const file = { ...mix, imatrix: 'imatrix.gguf' };
    const sourceGguf = { file: 'm-Q8_0.gguf', hubRepo: 'org/m-GGUF', revision: 'v1', requantize: true };
    expect(reproduceArgs(file, 'm-Q8_0.gguf', { requantize: true })).toEqual(['--allow-requantize', '--imatrix', 'imatrix.gguf', 'm-Q8_0.gguf', 'm-Q4_K_M.gguf', 'Q4_K_M']);
    const recipe: ModelCardFile = { ...mix, name: 'dyn.gguf', method: { kind: 'recipe', recipeFile: 'r.json', tensorTypeFile: 'r.tensor-types.txt', baseMix: 'Q4_K_M' } };
    const card = generateModelCard({ ...input, files: [file, recipe], sourceGguf });
    expect(card).toContain("byte-identical to those llama.cpp's `llama-quantize` writes from the same source GGUF (`m-Q8_0.gguf`) with the same options.");
    expect(card).toContain('Quantized from the GGUF [m-Q8_0.gguf](https://huggingface.co/org/m-GGUF/blob/v1/m-Q8_0.gguf) of [org/m-GGUF](https://huggingface.co/org/m-GGUF) (revision `v1`)');
    expect(card).not.toMatch(/unquantized|BF16/);
    expect(/```sh\n([\s\S]*?)\n```/.exec(card)![1]!.split('\n')).toEqual([
      'hf download org/m-GGUF m-Q8_0.gguf --revision v1 --local-dir .',
      'llama-quantize --allow-requantize --imatrix imatrix.gguf m-Q8_0.gguf m-Q4_K_M.gguf Q4_K_M',
      'llama-quantize --allow-requantize --pure --tensor-type-file r.tensor-types.txt m-Q8_0.gguf dyn.gguf Q4_K_M',
    ]);
  });

  it('a split GGUF source: every part downloaded, the first given to llama-quantize; a local source is named in a comment', () => {
    const split = { file: 'sub/m-F16-00001-of-00003.gguf', parts: 3, hubRepo: 'org/m-GGUF', requantize: false };
    const card = generateModelCard({ ...input, sourceGguf: split });
    expect(/```sh\n([\s\S]*?)\n```/.exec(card)![1]!.split('\n')).toEqual([
      "hf download org/m-GGUF --include 'sub/m-F16-*-of-00003.gguf' --local-dir .",
      'llama-quantize sub/m-F16-00001-of-00003.gguf m-Q4_K_M.gguf Q4_K_M',
    ]);
    expect(card).toContain('(3 parts, given to llama-quantize as the first)');
    expect(card).not.toContain('--allow-requantize');
    const local = generateModelCard({ ...input, sourceGguf: { file: 'm-F16.gguf', requantize: false } });
    expect(local).toContain('Quantized from the local GGUF `m-F16.gguf`');
    expect(/```sh\n([\s\S]*?)\n```/.exec(local)![1]!.split('\n')).toEqual([
      '# m-F16.gguf: the local GGUF these files were quantized from',
      'llama-quantize m-F16.gguf m-Q4_K_M.gguf Q4_K_M',
    ]);
  });

  it('a published file of the unquantized type itself: llama-quantize\'s input gets another name than its output', () => {
    const f16 = { ...mix, name: 'm-F16.gguf', method: { kind: 'mix' as const, mix: 'F16' } };
    const card = generateModelCard({ ...input, unquantizedType: 'F16', files: [f16, mix] });
    expect(card).toContain('--type F16 -o m-F16-unquantized.gguf\nllama-quantize m-F16-unquantized.gguf m-F16.gguf F16\nllama-quantize m-F16-unquantized.gguf m-Q4_K_M.gguf Q4_K_M\n');
    expect(generateModelCard({ ...input, unquantizedType: 'F16' })).toContain('llama-quantize m-F16.gguf m-Q4_K_M.gguf Q4_K_M\n');
  });

  it('formatBytes', () => {
    expect([999, 1500, 2_500_000, 3_210_000_000].map(formatBytes)).toEqual(['999 B', '1.5 kB', '2.5 MB', '3.21 GB']);
  });
});
