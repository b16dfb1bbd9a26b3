// quant-studio: the studio's pipeline from the command line.
import { blocksCommand } from './commands/blocks.ts';
import { compareCommand } from './commands/compare.ts';
import { evalCommand } from './commands/eval.ts';
import { imatrixCommand } from './commands/imatrix.ts';
import { inspectCommand } from './commands/inspect.ts';
import { planCommand } from './commands/plan.ts';
import { pushCommand } from './commands/push.ts';
import { quantizeCommand } from './commands/quantize.ts';
import { errorLine, foldMessage } from './error-line.ts';
import { clearProgressLine } from './progress.ts';
import { exitOnSignals } from './signals.ts';

const USAGE = `usage:
  quant-studio inspect <source> [--type MIX] [--json]
  quant-studio quantize <source> --type <MIX> [--imatrix F] [--tensor-type REGEX=TYPE]... [--tensor-type-file F]
                        [--output-tensor-type T] [--token-embedding-type T] [--pure] [--leave-output-tensor]
                        [--allow-requantize] [--override-kv KEY=TYPE:VALUE]... [--prune-layers L0,L1,...]
                        [--include-weights NAME]... | [--exclude-weights NAME]...
                        [--split-max-size N(M|G) | --split-max-tensors N | --keep-split]
                        [--backend auto|gpu|cpu] (-o <out.gguf> | --dry-run)
  quant-studio quantize <source> --recipe <recipe.json> [--imatrix F] [--backend auto|gpu|cpu] -o <out.gguf>
  quant-studio plan <source> (--target-size BYTES | --target-bpw X | --target-mix MIX) [--imatrix F] [--text F]...
                    [--ctx N] [--chunks N] [--allow TYPES] [--candidates TYPES] [--lock TENSOR=TYPE]...
                    [--measure layer|probe|all|none] [--sensitivity cache.json] [--objective mean|tail] [--refine N] [--check-chunks N] [--threads N] [--tensor-type-file F] -o <recipe.json>
  quant-studio compare <source> --text F [--text F]... [--imatrix F] [--mixes MIX,...] [--domain NAME=FILE]... [--prompts F] [--choices F.jsonl]
                    [--greedy-tokens N] [--eval-ctx N] [--eval-chunks N] [--sensitivity cache.json] [--ctx N] [--chunks N]
                    [--candidates TYPES|every-size] [--objective mean|tail] [--refine N] [--check-chunks N] [--target-ratio X] [--threads N] -o <folder>
  quant-studio imatrix <source> [--text F] [--chat F.jsonl] [--default-set] [--ctx N] [--chunks N] [--threads N] -o <out.imatrix.gguf>
  quant-studio eval <source> <quant.gguf> (--text <file> | --domain NAME=FILE...) [--prompts F] [--greedy-tokens N] [--ctx N] [--chunks N] [--threads N] [--choices F.jsonl] [--json] [--exact-f32]
  quant-studio blocks --type <TYPE> --cols <N> [--imatrix im.f32] [--backend auto|gpu|cpu] <in.f32> <out.bin>
  quant-studio push <owner/repo> <file.gguf>... --base-model <owner/name> [--private] [--imatrix F] [--recipe F.json]
                    [--kld FILE.gguf=eval.json]... [--license ID] [--base-revision REV] [--source-type BF16|F16|F32]
                    [--source-gguf <path|hf://owner/repo[@rev]/file.gguf> [--source-requantize]] [-m MESSAGE] [--no-card]
                    (HF_TOKEN: a write token; one commit, with a generated README.md model card)

<source>  a Hugging Face model folder, a GGUF file (F32/F16/BF16, or quantized with --allow-requantize;
          any shard of a split one: name-00001-of-00003.gguf), hf://owner/repo[@revision], or
          hf://owner/repo[@revision]/file.gguf (HF_TOKEN for gated or private repositories, HF_ENDPOINT for a mirror)
MIX       llama-quantize's file types: F32 F16 BF16 Q8_0 Q6_K Q5_K_M Q5_K_S Q5_1 Q5_0 Q4_K_M Q4_K_S Q4_1
          Q4_0 IQ4_NL IQ4_XS Q3_K_L Q3_K_M Q3_K_S IQ3_M IQ3_S IQ3_XS IQ3_XXS Q2_K Q2_K_S IQ2_M IQ2_S
          IQ2_XS IQ2_XXS IQ1_M IQ1_S TQ2_0 TQ1_0 MXFP4_MOE Q2_0 Q1_0 (Q3_K, Q4_K, Q5_K mean the _M mixes)
TYPE, T   a ggml type: F32 F16 BF16 Q8_0 Q6_K Q5_K Q5_1 Q5_0 Q4_K Q4_1 Q4_0 IQ4_NL IQ4_XS Q3_K IQ3_S
          IQ3_XXS Q2_K IQ2_S IQ2_XS IQ2_XXS IQ1_M IQ1_S TQ2_0 TQ1_0 MXFP4 NVFP4 Q2_0 Q1_0 (case-insensitive)
Options of quantize mean what they mean to llama-quantize.`;

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = {
  inspect: inspectCommand,
  quantize: quantizeCommand,
  blocks: blocksCommand,
  imatrix: imatrixCommand,
  eval: evalCommand,
  plan: planCommand,
  compare: compareCommand,
  push: pushCommand,
};

export interface MainOptions {
  /**
   * main() is the whole process (bin/quant-studio.mjs): an error that escapes the command (an
   * unhandled rejection) also removes the partial files and exits with one line. Off in-process.
   */
  ownsProcess?: boolean;
}

export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`quant-studio: unknown command "${foldMessage(name)}"; quant-studio --help lists the commands\n`);
    return 2;
  }
  const removeSignalHandlers = exitOnSignals(name, options.ownsProcess ?? false);
  try {
    await command(rest);
    return 0;
  } catch (error) {
    process.stderr.write(`${clearProgressLine()}${errorLine(name, error)}\n`);
    if (process.env.QUANT_STUDIO_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  } finally {
    removeSignalHandlers();
  }
}
