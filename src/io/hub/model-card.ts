// The model card (README.md) of a repository of GGUF quantizations: YAML front matter the Hub
// reads (base_model, base_model_relation: quantized, tags, quantized_by, …), a table of the files
// (size, bits per weight, KL divergence where it was measured, tensor types), how the importance
// matrix and the recipes were made, and the llama.cpp commands that reproduce each file. Pure.

export interface ModelCardKld {
  /** Mean KL divergence against the unquantized model (llama-perplexity --kl-divergence). */
  mean: number;
  median?: number;
  p99?: number;
  /** Fraction of positions with the same top token, 0..1. */
  sameTop?: number;
  /** What it was measured on ("wiki.test 20×512 tokens"). */
  on?: string;
  /** The same measures on each text domain, where more than one was measured (the figures above are the first's). */
  domains?: { name: string; mean: number; p99_9: number; sameTop: number }[];
}

/** How one file was quantized. */
export type ModelCardMethod =
  /** A llama.cpp file type (llama-quantize's TYPE argument) with llama-quantize's options. */
  | { kind: 'mix'; mix: string; options?: string[] }
  /** A per-tensor recipe: the recipe JSON and its --tensor-type-file, both in the repository. */
  | { kind: 'recipe'; recipeFile: string; tensorTypeFile: string; baseMix: string; predictedKld?: number | null };

export interface ModelCardFile {
  /** The path in the repository. */
  name: string;
  sizeBytes: number;
  /** Tensor data bits per weight. */
  bitsPerWeight?: number;
  method: ModelCardMethod;
  /** Tensors per ggml type ("Q4_K" → 96). */
  typeCounts?: Record<string, number>;
  /** The importance matrix used (a path in the repository). */
  imatrix?: string;
  /**
   * The --imatrix argument recorded in the file (quantize.imatrix.file), when it is not `imatrix`:
   * llama-quantize writes its argument there, so only that string gives a byte-identical file.
   */
  imatrixArgument?: string;
  kld?: ModelCardKld;
  sha256?: string;
  /**
   * A file published split (llama-gguf-split's PREFIX-00001-of-0000N.gguf): `name` is then the whole
   * file's name (what llama-quantize writes), `files` the parts in the repository, and `splitArgs`
   * the llama-gguf-split options that cut it so (null when none does).
   */
  parts?: { files: string[]; splitArgs: string[] | null };
}

export interface ModelCardImatrix {
  /** The path in the repository. */
  file: string;
  /** Calibration datasets (the imatrix's own record of them). */
  datasets?: string[];
  chunks?: number;
  /** How it was computed, in words or as a command. */
  madeWith?: string;
}

export interface ModelCardInput {
  /** owner/name of the repository the card is for. */
  repo: string;
  /** The Hub id of the unquantized model. */
  baseModel: string;
  baseModelRevision?: string;
  license?: string;
  /** GGUF general.architecture. */
  architecture?: string;
  files: ModelCardFile[];
  imatrix?: ModelCardImatrix;
  /** "quant-studio 0.1.0". */
  tool: string;
  /** The unquantized GGUF llama-quantize starts from; default BF16. */
  unquantizedType?: 'BF16' | 'F16' | 'F32';
  /**
   * The files were quantized from this GGUF (not from the model's safetensors): the card's
   * llama-quantize commands start from it. `file` is what llama-quantize is given (a split
   * source's first part); `parts` the split set's count when split; `hubRepo`/`revision` where
   * it can be downloaded; `requantize` when its weights are already quantized (--allow-requantize).
   */
  sourceGguf?: { file: string; parts?: number; hubRepo?: string; revision?: string; requantize: boolean };
}

/** A YAML double-quoted scalar: JSON's string syntax is a subset of it. */
const yamlString = (s: string) => JSON.stringify(s);

/** Markdown table cell text: pipes and line breaks would break the row. */
const cell = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');

/** A shell word: quoted unless it is plainly safe. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=@+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

function formatKld(k: number): string {
  return k === 0 ? '0' : k < 1e-3 ? k.toExponential(2) : k.toPrecision(3);
}

function typeSummary(counts: Record<string, number> | undefined): string {
  if (!counts) return '';
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([t, n]) => `${t}×${n}`)
    .join(', ');
}

function unquantizedName(input: ModelCardInput): string {
  const name = `${input.baseModel.split('/').pop()!}-${input.unquantizedType ?? 'BF16'}`;
  // A published file of that very type (an F16 "quant" of an F16 model) must not be llama-quantize's input and output.
  const taken = input.files.some((f) => f.name === `${name}.gguf` || f.parts?.files.includes(`${name}.gguf`));
  return taken ? `${name}-unquantized.gguf` : `${name}.gguf`;
}

/** The llama-gguf-split command that cuts a split file's whole file into its parts (a comment when none does). */
function splitLine(f: ModelCardFile): string {
  const prefix = f.name.replace(/\.gguf$/i, '');
  if (!f.parts!.splitArgs) return `# then split ${shellWord(f.name)} into ${f.parts!.files.length} files with llama-gguf-split (no --split-max-* option cuts it exactly as published)`;
  return ['llama-gguf-split', '--split', ...f.parts!.splitArgs, f.name, prefix].map(shellWord).join(' ');
}

/**
 * llama-quantize's arguments that write `file` from `input` (the unquantized GGUF, or the GGUF
 * source); `requantize` when that source's weights are already quantized, which llama-quantize
 * refuses without --allow-requantize (the option changes nothing else it writes).
 */
export function reproduceArgs(file: ModelCardFile, input: string, options: { requantize?: boolean } = {}): string[] {
  const im = file.imatrix ?? file.imatrixArgument;
  const imatrix = im ? ['--imatrix', im] : [];
  const requantize = options.requantize ? ['--allow-requantize'] : [];
  if (file.method.kind === 'recipe') {
    // As llamaQuantizeArgs (core/dynamic/tensor-type-file.ts): --pure so no mix rule applies.
    return [...requantize, '--pure', ...imatrix, '--tensor-type-file', file.method.tensorTypeFile, input, file.name, file.method.baseMix];
  }
  return [...requantize, ...imatrix, ...(file.method.options ?? []), input, file.name, file.method.mix];
}

type SourceGguf = NonNullable<ModelCardInput['sourceGguf']>;

/** The GGUF source in Markdown: the file, linked on the Hub when it is there. */
function sourceGgufText(src: SourceGguf): string {
  const parts = src.parts && src.parts > 1 ? ` (${src.parts} parts, given to llama-quantize as the first)` : '';
  if (!src.hubRepo) return `the local GGUF \`${src.file}\`${parts}`;
  const ref = encodeURIComponent(src.revision ?? 'main');
  const file = `[${src.file}](https://huggingface.co/${src.hubRepo}/blob/${ref}/${encodeURI(src.file)})`;
  const revision = src.revision ? ` (revision \`${src.revision}\`)` : '';
  return `the GGUF ${file}${parts} of [${src.hubRepo}](https://huggingface.co/${src.hubRepo})${revision}`;
}

/** The shell lines that put the GGUF source in the current folder: a download, or a comment for a local file. */
function sourceGgufLines(src: SourceGguf): string[] {
  if (!src.hubRepo) return [`# ${src.file}: the local GGUF these files were quantized from${src.parts && src.parts > 1 ? ` (with its other ${src.parts - 1} parts)` : ''}`];
  const revision = src.revision ? ['--revision', src.revision] : [];
  // A split source: every part beside the first, which llama-quantize opens and follows.
  const count = src.parts && src.parts > 1 ? String(src.parts).padStart(5, '0') : null;
  const what = count ? ['--include', `${src.file.replace(/-\d{5}-of-\d{5}\.gguf$/i, '')}-*-of-${count}.gguf`] : [src.file];
  return [['hf', 'download', src.hubRepo, ...what, ...revision, '--local-dir', '.'].map(shellWord).join(' ')];
}

function frontMatter(input: ModelCardInput): string {
  const lines = ['---', `base_model: ${yamlString(input.baseModel)}`, 'base_model_relation: quantized'];
  if (input.license) lines.push(`license: ${yamlString(input.license)}`);
  lines.push('library_name: gguf', 'tags:', '- gguf', '- quantized', '- quant-studio');
  if (input.imatrix) lines.push('- imatrix');
  if (input.architecture) lines.push(`- ${yamlString(input.architecture)}`);
  lines.push('quantized_by: quant-studio');
  const methods = [...new Set(input.files.map((f) => (f.method.kind === 'mix' ? f.method.mix : `recipe:${f.method.baseMix}`)))];
  lines.push('quantization:', `  tool: ${yamlString(input.tool)}`, '  methods:', ...methods.map((m) => `  - ${yamlString(m)}`));
  if (input.imatrix) lines.push(`  imatrix: ${yamlString(input.imatrix.file)}`);
  lines.push('---');
  return lines.join('\n');
}

export function generateModelCard(input: ModelCardInput): string {
  const base = input.baseModel;
  const revision = input.baseModelRevision ? ` (revision \`${input.baseModelRevision}\`)` : '';
  const title = input.repo.split('/').pop()!;
  const anyKld = input.files.some((f) => f.kld);
  const out: string[] = [frontMatter(input), '', `# ${title}`, ''];
  out.push(
    `GGUF quantizations of [${base}](https://huggingface.co/${base})${revision}, made with ${input.tool}, whose files are ` +
      `byte-identical to those llama.cpp's \`llama-quantize\` writes from the same ` +
      `${input.sourceGguf ? `source GGUF (\`${input.sourceGguf.file}\`)` : 'unquantized GGUF'} with the same options.`,
    '',
    '## Files',
    '',
    `| File | Size | Bits per weight | ${anyKld ? 'KLD (mean) | ' : ''}Method | Tensor types |`,
    `|---|---:|---:|${anyKld ? '---:|' : ''}---|---|`,
  );
  for (const f of input.files) {
    const method = f.method.kind === 'mix' ? f.method.mix : `recipe ${f.method.recipeFile} (on ${f.method.baseMix})`;
    const first = f.parts?.files[0];
    const row = [
      first ? `[${cell(first)}](./${encodeURI(first)}) (${f.parts!.files.length} files, loaded from the first)` : `[${cell(f.name)}](./${encodeURI(f.name)})`,
      formatBytes(f.sizeBytes),
      f.bitsPerWeight === undefined ? '—' : f.bitsPerWeight.toFixed(2),
      ...(anyKld ? [f.kld ? formatKld(f.kld.mean) : '—'] : []),
      cell(method + (f.imatrix ? ' + imatrix' : f.imatrixArgument ? ' + imatrix (not in this repository)' : '')),
      cell(typeSummary(f.typeCounts)),
    ];
    out.push(`| ${row.join(' | ')} |`);
  }
  if (anyKld) {
    out.push('', 'KLD: the KL divergence of the quantized model\'s next-token distribution from the unquantized model\'s, as `llama-perplexity --kl-divergence` reports it; — where not measured.');
    for (const f of input.files.filter((x) => x.kld)) {
      const k = f.kld!;
      const extra = [k.median !== undefined ? `median ${formatKld(k.median)}` : '', k.p99 !== undefined ? `99% ${formatKld(k.p99)}` : '', k.sameTop !== undefined ? `same top token ${(100 * k.sameTop).toFixed(1)}%` : '', k.on ? `on ${k.on}` : '']
        .filter(Boolean);
      if (extra.length > 0) out.push(`- ${cell(f.name)}: ${extra.join(', ')}`);
    }
    const perDomain = input.files.filter((x) => x.kld?.domains?.length);
    if (perDomain.length > 0) {
      out.push('', 'Per text domain (each measured on its own):', '', '| File | Domain | KLD (mean) | KLD (99.9%) | Same top token |', '|---|---|---:|---:|---:|');
      for (const f of perDomain) {
        for (const d of f.kld!.domains!) out.push(`| ${cell(f.name)} | ${cell(d.name)} | ${formatKld(d.mean)} | ${formatKld(d.p99_9)} | ${(100 * d.sameTop).toFixed(1)}% |`);
      }
    }
  }

  out.push('', '## How they were made', '');
  const src = input.sourceGguf;
  if (src) {
    out.push(
      `Quantized from ${sourceGgufText(src)}, not from the model's safetensors` +
        `${src.requantize ? ': its weights are already quantized, so they are quantized again (llama-quantize\'s `--allow-requantize`), which loses more than quantizing the original weights once' : ''}.`,
      '',
    );
  }
  if (input.imatrix) {
    const im = input.imatrix;
    out.push(`### Importance matrix`, '', `[${im.file}](./${encodeURI(im.file)}) weighs each weight by how much it matters on calibration text.`);
    if (im.datasets && im.datasets.length > 0) out.push(`Calibration data: ${im.datasets.map((d) => `\`${d}\``).join(', ')}${im.chunks ? `, ${im.chunks} chunks` : ''}.`);
    else if (im.chunks) out.push(`${im.chunks} chunks of calibration text.`);
    if (im.madeWith) out.push(`Made with: ${im.madeWith}`);
    out.push('');
  }
  const recipes = input.files.filter((f) => f.method.kind === 'recipe');
  if (recipes.length > 0) {
    out.push('### Recipes', '');
    for (const f of recipes) {
      const m = f.method as Extract<ModelCardMethod, { kind: 'recipe' }>;
      out.push(
        `- ${f.name}: per-tensor types chosen by quant-studio's dynamic quantization (each tensor's measured cost in KL divergence, under a size budget), ` +
          `saved as [${m.recipeFile}](./${encodeURI(m.recipeFile)}) and as llama-quantize's [${m.tensorTypeFile}](./${encodeURI(m.tensorTypeFile)})` +
          `${m.predictedKld != null ? `; predicted KLD ${formatKld(m.predictedKld)}` : ''}.`,
      );
    }
    out.push('');
  }
  const mixes = input.files.filter((f) => f.method.kind === 'mix');
  if (mixes.length > 0) out.push(`${recipes.length > 0 ? 'The other files use' : 'They use'} llama.cpp's own type mixes (llama-quantize's file types).`, '');

  const at = input.baseModelRevision ? `@${input.baseModelRevision}` : '';
  // A GGUF source is llama-quantize's input as it is; otherwise the unquantized GGUF, made first.
  const quantizeInput = src ? src.file : unquantizedName(input);
  out.push(
    '## Reproduce with llama.cpp',
    '',
    src
      ? `Each file is what \`llama-quantize\` writes from the source GGUF \`${src.file}\`${src.requantize ? ' (with `--allow-requantize`: its weights are already quantized)' : ''}:`
      : `Each file is what \`llama-quantize\` writes from the unquantized ${input.unquantizedType ?? 'BF16'} GGUF of the model:`,
    '',
    '```sh',
    ...(src
      ? sourceGgufLines(src)
      : [`npx quant-studio quantize ${shellWord(`hf://${base}${at}`)} --type ${input.unquantizedType ?? 'BF16'} -o ${shellWord(quantizeInput)}`]),
    ...input.files.flatMap((f) => [
      ['llama-quantize', ...reproduceArgs(f, quantizeInput, { requantize: src?.requantize ?? false })].map(shellWord).join(' '),
      ...(f.parts ? [splitLine(f)] : []),
    ]),
    '```',
    '',
  );
  const renamed = input.files.filter((f) => f.imatrix !== undefined && f.imatrixArgument !== undefined && f.imatrixArgument !== f.imatrix);
  if (renamed.length > 0) {
    out.push(
      'llama-quantize records its `--imatrix` argument in the file (`quantize.imatrix.file`); the tensors do not depend on it, ' +
        'but for a byte-identical file pass the string recorded: ' +
        renamed.map((f) => `${cell(f.name)}: \`${cell(f.imatrixArgument!).replace(/`/g, "'")}\``).join('; ') + '.',
      '',
    );
  }
  return out.join('\n');
}
