import { tensorBytes } from '../../core/ggml-type.ts';
import { planModel } from '../../core/model/plan-model.ts';
import { chooseMixTypes } from '../../core/recipe/llama-mixes.ts';
import { parseCommandArgs, parseMix } from '../args.ts';
import { CliError } from '../cli-error.ts';
import { openModelSource } from '../model-source.ts';

export async function inspectCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, {
    json: { type: 'boolean' },
    type: { type: 'string', default: 'F16' },
    /** Plan as if an importance matrix were given (mixes that need one). */
    imatrix: { type: 'boolean' },
  });
  if (positionals.length !== 1) throw new CliError('inspect takes one model: a folder, a .gguf file or hf://owner/repo[/file.gguf]');
  const files = await openModelSource(positionals[0]!);
  try {
    const plan = await planModel(files);
    // A dry run of the mix, as llama-quantize --dry-run: every tensor's type and size, no weights read.
    const types = chooseMixTypes(plan, { mix: parseMix(values.type), hasImatrix: values.imatrix ?? false });
    const rows = plan.tensors.map((t) => {
      const type = types.get(t.ggufName)!;
      return {
        gguf: t.ggufName,
        hf: t.hfName,
        file: t.source.file,
        shape: t.source.shape,
        ne: t.ne,
        dtype: t.source.dtype,
        role: t.role,
        layer: t.layer,
        type,
        bytes: tensorBytes(type, t.ne) as number,
      };
    });
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ architecture: plan.architecture, hfArchitecture: plan.hfArchitecture, layers: plan.layerCount, tensors: rows }, null, 2)}\n`);
      return;
    }
    const total = rows.reduce((a, r) => a + r.bytes, 0);
    process.stdout.write(`${files.label}: ${plan.hfArchitecture} -> ${plan.architecture}, ${plan.layerCount} layers, ${rows.length} tensors\n`);
    // Columns as wide as their longest entry (MoE names and shapes run longer than dense ones).
    const width = (f: (r: (typeof rows)[number]) => string, min: number) => Math.max(min, ...rows.map((r) => f(r).length));
    const w = { gguf: width((r) => r.gguf, 28), hf: width((r) => r.hf, 48), shape: width((r) => JSON.stringify(r.shape), 14), role: width((r) => r.role, 12) };
    for (const r of rows) {
      process.stdout.write(
        `${r.gguf.padEnd(w.gguf)} ${r.hf.padEnd(w.hf)} ${JSON.stringify(r.shape).padEnd(w.shape)} ${r.dtype.padEnd(5)} ${r.role.padEnd(w.role)} ${r.type.padEnd(5)} ${r.bytes}\n`,
      );
    }
    process.stdout.write(`tensor data at ${values.type}: ${total} bytes\n`);
  } finally {
    await files.close();
  }
}
