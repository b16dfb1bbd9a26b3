// quant-studio: the studio's pipeline from the command line.
import { blocksCommand } from './commands/blocks.ts';
import { evalCommand } from './commands/eval.ts';
import { imatrixCommand } from './commands/imatrix.ts';
import { inspectCommand } from './commands/inspect.ts';
import { quantizeCommand } from './commands/quantize.ts';

const USAGE = `usage:
  quant-studio inspect <model-dir> [--json]
  quant-studio quantize <model-dir> --type <TYPE> [--tensor-type REGEX=TYPE]... [--backend auto|gpu|cpu] -o <out.gguf>
  quant-studio imatrix <model-dir> --text <file> [--ctx N] [--chunks N] -o <out.imatrix.gguf>
  quant-studio eval <model-dir> <quant.gguf> --text <file> [--ctx N] [--chunks N] [--json] [--exact-f32]
  quant-studio blocks --type <TYPE> --cols <N> [--imatrix im.f32] [--backend auto|gpu|cpu] <in.f32> <out.bin>

TYPE: F32 F16 BF16 Q8_0 Q5_1 Q5_0 Q4_1 Q4_0 (case-insensitive)`;

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = {
  inspect: inspectCommand,
  quantize: quantizeCommand,
  blocks: blocksCommand,
  imatrix: imatrixCommand,
  eval: evalCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`quant-studio: unknown command "${name}"\n${USAGE}\n`);
    return 2;
  }
  try {
    await command(rest);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`quant-studio ${name}: ${message}\n`);
    if (process.env.QUANT_STUDIO_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}
