// Quantizes raw little-endian float32 rows: the plain interface for checking our blocks against
// other implementations (ggml's golden files, llama.cpp's quantizer).
import { readFile } from 'node:fs/promises';
import { GGML_TYPES, rowFitsBlocks } from '../../core/ggml-type.ts';
import { withOutputFiles } from '../../io/node-sink.node.ts';
import { parseBackend, parseCommandArgs, requireType } from '../args.ts';
import { openBackend } from '../backend.ts';
import { CliError, inputFailure } from '../cli-error.ts';
import { checkOutputPaths, namedPaths } from '../output-paths.ts';

async function readFloat32File(file: string, what: string): Promise<Float32Array> {
  const bytes = await readFile(file).catch(inputFailure(`${what} ${file}`));
  if (bytes.length % 4 !== 0) throw new CliError(`${what} ${file}: ${bytes.length} bytes is not a whole number of float32 values`);
  const values = new Float32Array(bytes.length / 4);
  new Uint8Array(values.buffer).set(bytes);
  return values;
}

export async function blocksCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, {
    type: { type: 'string' },
    cols: { type: 'string' },
    imatrix: { type: 'string' },
    backend: { type: 'string' },
  });
  if (positionals.length !== 2) throw new CliError('blocks takes <in.f32> <out.bin>');
  const type = requireType(values.type);
  const cols = Number(values.cols);
  if (!Number.isInteger(cols) || cols <= 0) throw new CliError(`--cols ${values.cols}: expected a positive integer`);
  if (!rowFitsBlocks(type, cols)) {
    throw new CliError(`--cols ${cols} is not a multiple of ${type}'s block size ${GGML_TYPES[type].blockSize}`);
  }
  const [input, output] = positionals as [string, string];
  await checkOutputPaths([{ label: 'output', path: output }], [{ label: 'input', path: input }, ...namedPaths('--imatrix', values.imatrix)]);
  const src = await readFloat32File(input, 'input');
  if (src.length % cols !== 0) throw new CliError(`input ${input}: ${src.length} values is not a whole number of ${cols}-column rows`);
  const imatrix = values.imatrix ? await readFloat32File(values.imatrix, '--imatrix') : null;
  if (imatrix && imatrix.length !== cols) throw new CliError(`--imatrix ${values.imatrix}: ${imatrix.length} values, expected ${cols} (one per column)`);

  const backendChoice = parseBackend(values.backend);
  await withOutputFiles([output], async (out) => {
    const backend = await openBackend(backendChoice);
    try {
      if (!backend.quantizer.supports(type)) throw new CliError(`the ${backend.description} backend cannot write ${type}`);
      await out.write(output, await backend.quantizer.quantizeRows(type, src, cols, imatrix));
    } finally {
      backend.dispose();
    }
  });
}
