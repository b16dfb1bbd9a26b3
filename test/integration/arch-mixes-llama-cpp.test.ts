// The mixes on the families llama.cpp quantizes by its generic rules under another architecture
// name: our `quantize` of the generated folder gives llama-quantize's bytes from our F16 export
// of it (F16 weights, so both read the same values). Each model is 256 wide, so the K-quants fit
// its attention and its 128-wide ffn_down takes llama-quantize's fallback. The vocabulary is
// stories260K's 512 tokens: the mixes' rules do not depend on it, and the families' 128k-262k-row
// embeddings were most of the file's time (470 s against 79 s).
// Qwen3-MoE (16 experts of width 256, two per token) brings the expert rules: 3-D tensors
// quantized expert by expert, the router left F32, attn_v and ffn_down rules that count experts,
// MXFP4_MOE; and with an importance matrix (ours, from the CLI, in which some experts were never
// routed to) each expert's rows take that expert's weights, and an unreached expert even weights.
// OLMoE (renormalising nothing) and Granite MoE (experts stored fused, split by the converter;
// with a shared expert too) follow.
// Phi-4-mini brings the fused projections with an importance matrix of ours; LFM2 its
// short-convolution layers (kernel left F32, in_proj and out_proj by the generic rules, attn_v
// counted over the attention layers only); Granite 4.0-h its Mamba-2 layers; gpt-oss its experts stored MXFP4.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess as cli } from '../helpers/cli-in-process.ts';
import { generateArchModel, type ArchName, type GenerateOptions, type GeneratedExperts } from '../helpers/generate-arch-model.ts';
import { readImatrixCounts } from '../helpers/imatrix-file.ts';
import { runLlamaTool } from '../helpers/llama-tools.ts';
import { TEXT } from '../helpers/paths.ts';

/** A mix with llama-quantize options, given the same to both. */
interface OptionCase { mix: string; args: string[] }

const CASES: {
  arch: ArchName; name?: string; generate?: GenerateOptions; mixes: string[]; imatrixMixes?: string[]; optionCases?: OptionCase[]; experts?: GeneratedExperts;
  unreachedExperts?: boolean;
  /** Options only llama-quantize takes (ours reads the checkpoint, where nothing is requantized). */
  llamaArgs?: string[];
}[] = [
  { arch: 'smollm3', mixes: ['Q4_K_M', 'Q2_K', 'IQ4_XS'] },
  { arch: 'olmo2', mixes: ['Q4_K_M'] },
  { arch: 'lfm2', mixes: ['Q4_K_M', 'IQ4_XS'], imatrixMixes: ['Q3_K_M'] },
  // Four query heads per KV head, head_count_kv written per layer: the attn_v rules that read n_gqa().
  { arch: 'granite4', name: 'granite4-gqa4', generate: { kvHeads: 1 }, mixes: ['Q2_K', 'IQ4_XS'] },
  { arch: 'granite', mixes: ['Q5_K_S'] },
  // Granite 4.0-h: Mamba-2 layers (ssm_in and ssm_out by the generic rules; the conv kernel, A, D and the norm left F32).
  { arch: 'granite4h', mixes: ['Q4_K_M', 'IQ4_XS', 'Q2_K'], imatrixMixes: ['IQ3_XXS'] },
  // And with routed experts and a shared one in every layer (granite-4.0-h-tiny's kind).
  { arch: 'granite4hmoe', experts: { count: 32, used: 2 }, mixes: ['Q4_K_M'], imatrixMixes: ['IQ4_XS'] },
  // Fused attn_qkv (its own rules) and gate|up ffn_up, LongRoPE's factor tensors left F32, tied embeddings.
  { arch: 'phi4mini', mixes: ['Q4_K_M'], imatrixMixes: ['Q3_K_M'] },
  {
    arch: 'qwen3moe', experts: { count: 16, used: 2 }, unreachedExperts: true, mixes: ['Q4_K_M', 'MXFP4_MOE'], imatrixMixes: ['IQ3_XXS'],
    // --pure; per-tensor types on the experts (and on the router, which llama-quantize still leaves F32) and the head.
    optionCases: [
      { mix: 'Q4_K_M', args: ['--pure'] },
      { mix: 'Q4_K_M', args: ['--tensor-type', 'ffn_down_exps=q8_0', '--tensor-type', 'ffn_gate_inp=q8_0', '--output-tensor-type', 'q6_k'] },
    ],
  },
  { arch: 'olmoe', experts: { count: 32, used: 2 }, unreachedExperts: true, mixes: ['Q5_K_M'], imatrixMixes: ['IQ4_XS'] },
  { arch: 'granitemoe', experts: { count: 32, used: 2 }, mixes: ['Q4_K_M'], imatrixMixes: ['Q5_K_S'] },
  // A shared expert beside them: its ffn_down_shexp advances llama-quantize's ffn_down counter too.
  { arch: 'granitemoeshared', experts: { count: 32, used: 2 }, mixes: ['Q4_K_M', 'Q3_K_M'], imatrixMixes: ['IQ3_XXS'] },
  // Experts stored MXFP4 in the checkpoint and in the F16 file: requantized from their MXFP4 values
  // by the K-quant mixes, copied by MXFP4_MOE; biases and sinks left F32.
  // llama-quantize requantizes the MXFP4 tensors of a GGUF only with --allow-requantize.
  { arch: 'gptoss', experts: { count: 16, used: 4 }, mixes: ['Q4_K_M', 'MXFP4_MOE'], imatrixMixes: ['IQ4_XS'], llamaArgs: ['--allow-requantize'] },
];

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'arch-mixes-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

for (const { arch, name = arch, generate, mixes, imatrixMixes = [], optionCases = [], experts, unreachedExperts, llamaArgs = [] } of CASES) {
  describe(`${name} mixes vs llama-quantize`, () => {
    const folder = () => path.join(dir, `${name}-tiny-random`);
    const f16 = () => path.join(dir, `${name}-F16.gguf`);
    const imatrix = () => path.join(dir, `${name}.imatrix.gguf`);
    beforeAll(async () => {
      await generateArchModel(arch, folder(), { dtype: 'F16', seed: 9, hidden: 256, smallVocab: true, experts, ...generate });
      const r = await cli(['quantize', folder(), '--type', 'F16', '--backend', 'cpu', '-o', f16()]);
      expect(r.code, r.stderr).toBe(0);
      if (imatrixMixes.length > 0) {
        const text = path.join(dir, `${name}-calibration.txt`);
        await writeFile(text, (await readFile(path.join(TEXT, 'tinystories_val_sample.txt'), 'utf8')).slice(0, 1500));
        const i = await cli(['imatrix', folder(), '-f', text, '-c', '64', '--chunks', '2', '-o', imatrix()]);
        expect(i.code, i.stderr).toBe(0);
        if (unreachedExperts) {
          const expertCounts = [...(await readImatrixCounts(imatrix())).entries()].filter(([name]) => name.includes('_exps')).flatMap(([, c]) => c);
          expect(expertCounts.filter((n) => n === 0).length, 'experts the calibration text never reached').toBeGreaterThan(0);
        }
      }
    }, 180_000);

    const cases = [
      ...mixes.map((mix) => ({ mix, withImatrix: false, args: [] as string[] })), ...imatrixMixes.map((mix) => ({ mix, withImatrix: true, args: [] as string[] })),
      ...optionCases.map((c) => ({ ...c, withImatrix: false })),
    ];
    for (const { mix, withImatrix, args } of cases) {
      it(`${mix}${withImatrix ? ' with an imatrix' : ''}${args.length ? ` ${args.join(' ')}` : ''}: byte-identical`, async () => {
        const ours = path.join(dir, `${name}-ours-${mix}.gguf`);
        const theirs = path.join(dir, `${name}-theirs-${mix}.gguf`);
        const imatrixArgs = withImatrix ? ['--imatrix', imatrix()] : [];
        const r = await cli(['quantize', folder(), '--type', mix, '--backend', 'cpu', ...imatrixArgs, ...args, '-o', ours]);
        expect(r.code, r.stderr).toBe(0);
        await runLlamaTool('llama-quantize', [...llamaArgs, ...imatrixArgs, ...args, f16(), theirs, mix, '2']);
        const [a, b] = await Promise.all([readFile(ours), readFile(theirs)]);
        expect(a.length).toBe(b.length);
        expect(Buffer.compare(a, b)).toBe(0);
        await rm(ours);
        await rm(theirs);
      }, 120_000);
    }
  });
}
