import { exportGguf } from '../../core/export/export-gguf.ts';
import { parseGgmlTypeName } from '../../core/ggml-type.ts';
import { planModel } from '../../core/model/plan-model.ts';
import { chooseTensorTypes, parseTypeOverride } from '../../core/recipe/choose-types.ts';
import { nodeModelFiles } from '../../io/node-files.node.ts';
import { nodeFileSink } from '../../io/node-sink.node.ts';
import { parseBackend, parseCommandArgs, requireType } from '../args.ts';
import { openBackend } from '../backend.ts';
import { CliError } from '../cli-error.ts';
import { exportProgressPrinter } from '../progress.ts';

export async function quantizeCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, {
    type: { type: 'string' },
    'tensor-type': { type: 'string', multiple: true },
    backend: { type: 'string' },
    output: { type: 'string', short: 'o' },
  });
  if (positionals.length !== 1) throw new CliError('quantize takes one model folder');
  if (!values.output) throw new CliError('-o <out.gguf> is required');
  const baseType = requireType(values.type);
  const overrides = (values['tensor-type'] ?? []).map((t) => {
    try {
      return parseTypeOverride(t, parseGgmlTypeName);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
  });
  const backendChoice = parseBackend(values.backend);

  const files = await nodeModelFiles(positionals[0]!);
  const backend = await openBackend(backendChoice);
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  try {
    const plan = await planModel(files);
    const types = chooseTensorTypes(plan, { baseType, overrides });
    const sink = await nodeFileSink(values.output);
    const started = performance.now();
    const { bytesWritten } = await exportGguf({
      plan, types, files, quantizer: backend.quantizer, sink, signal: controller.signal,
      onProgress: exportProgressPrinter(),
    });
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(`wrote ${values.output}: ${bytesWritten} bytes, ${plan.tensors.length} tensors, ${seconds.toFixed(2)} s on ${backend.description}\n`);
  } finally {
    process.off('SIGINT', onSignal);
    backend.dispose();
    await files.close();
  }
}
