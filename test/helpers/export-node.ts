// Exports a model folder to a GGUF file with the core pipeline, as the CLI does.
import { exportGguf } from '../../src/core/export/export-gguf.ts';
import type { GgmlTypeName } from '../../src/core/ggml-type.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import type { RowQuantizer } from '../../src/core/quant/row-quantizer.ts';
import { cpuRowQuantizer } from '../../src/core/quant/cpu-quantizer.ts';
import { chooseTensorTypes, type TypeOverride } from '../../src/core/recipe/choose-types.ts';
import { nodeModelFiles } from '../../src/io/node-files.node.ts';
import { nodeFileSink } from '../../src/io/node-sink.node.ts';

export async function exportModelFolder(
  dir: string,
  out: string,
  baseType: GgmlTypeName,
  options: { overrides?: TypeOverride[]; quantizer?: RowQuantizer } = {},
): Promise<void> {
  const files = await nodeModelFiles(dir);
  try {
    const plan = await planModel(files);
    const types = chooseTensorTypes(plan, { baseType, overrides: options.overrides });
    await exportGguf({ plan, types, files, quantizer: options.quantizer ?? cpuRowQuantizer, sink: await nodeFileSink(out) });
  } finally {
    await files.close();
  }
}
