// npm run fixtures:size -- <name>... | all | --list [--sparse]
// Writes size models (real checkpoints' configs and tokenizers, seeded random BF16 weights) into
// the cache (see size-models.ts); a complete folder is kept, and only its path and size printed.
import { SIZE_MODEL_NAMES, SIZE_MODELS, isSizeModelName } from './shapes.ts';
import { ensureSizeModel, sizeModelDims, sizeModelShards, sizeModelsRoot } from './size-models.ts';
import { tensorByteLength } from '../helpers/safetensors-writer.ts';

const USAGE = `usage: npm run fixtures:size -- (<name>... | all | --list) [--sparse]
  names: ${SIZE_MODEL_NAMES.join(', ')}
  --sparse  leave the weights a hole in sparse files (headers, configs and tokenizers are real)
  folder:   ${sizeModelsRoot()}/<name> ($QUANT_STUDIO_SIZE_MODELS overrides)`;

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;

async function run(args: string[]): Promise<number> {
  const sparse = args.includes('--sparse');
  const rest = args.filter((a) => a !== '--sparse');
  if (rest.length === 0 || rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return rest.length === 0 ? 2 : 0;
  }
  if (rest.includes('--list')) {
    for (const name of SIZE_MODEL_NAMES) {
      const spec = SIZE_MODELS[name];
      const d = sizeModelDims(spec);
      const weights = sizeModelShards(spec).flat().reduce((n, t) => n + tensorByteLength(t), 0);
      process.stdout.write(`${name.padEnd(14)} ${spec.repo.padEnd(34)} ${String(spec.parameters).padStart(13)} parameters, ${gb(weights)} of BF16 weights, ` +
        `${d.layers} layers, hidden ${d.hidden}\n`);
    }
    return 0;
  }
  const names = rest.includes('all') ? SIZE_MODEL_NAMES : rest;
  const unknown = names.filter((n) => !isSizeModelName(n));
  if (unknown.length) {
    process.stderr.write(`fixtures:size: unknown ${unknown.join(', ')}\n${USAGE}\n`);
    return 2;
  }
  for (const name of names) {
    if (!isSizeModelName(name)) continue;
    const started = performance.now();
    const { dir, bytes, written } = await ensureSizeModel(name, { weights: sparse ? 'sparse' : 'random' });
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`${dir}  ${gb(bytes)}${sparse ? ' (sparse: the weights take no disk)' : ''}  ${written ? `written in ${seconds.toFixed(1)} s` : 'already complete'}\n`);
  }
  return 0;
}

process.exitCode = await run(process.argv.slice(2));
