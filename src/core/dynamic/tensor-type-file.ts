// A recipe as llama-quantize's --tensor-type-file: one NAME=TYPE per line, where NAME is a
// std::regex (ECMAScript) that llama-quantize lower-cases and regex_search()es against each
// tensor name. Anchored and escaped, each line matches exactly one tensor; run with --pure and
// the recipe's baseMix so no mix rule applies, every quantizable tensor gets the recipe's type.
import type { GgmlTypeName } from '../ggml-type.ts';
import type { Recipe } from './recipe.ts';

/**
 * `^name$` with ECMAScript metacharacters escaped. Upper-case letters become \xHH escapes:
 * llama-quantize lower-cases the pattern (hex digits survive that), not the tensor name.
 */
export function exactNamePattern(name: string): string {
  if (/\s/.test(name) || name.includes('=')) throw new Error(`tensor "${name}": a name with whitespace or "=" cannot be written to a --tensor-type-file`);
  const escaped = name
    .replace(/[\\^$.*+?()[\]{}|]/g, (c) => `\\${c}`)
    .replace(/[A-Z]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`);
  return `^${escaped}$`;
}

/** ggml_type_name spelling (llama-quantize compares case-insensitively; we write lower case). */
const typeArg = (t: GgmlTypeName) => t.toLowerCase();

/** Lines for every quantizable tensor (F32 tensors are left alone by llama-quantize). */
export function recipeTensorTypeFile(recipe: Recipe): string {
  return recipe.tensors
    .filter((t) => t.predictedKld !== undefined || t.type !== 'F32')
    .map((t) => `${exactNamePattern(t.name)}=${typeArg(t.type)}\n`)
    .join('');
}

/** The llama-quantize command line that reproduces the recipe's file from an unquantized GGUF. */
export function llamaQuantizeArgs(recipe: Recipe, paths: { input: string; output: string; tensorTypeFile: string; imatrix?: string }): string[] {
  return [
    '--pure', ...(paths.imatrix ? ['--imatrix', paths.imatrix] : []), '--tensor-type-file', paths.tensorTypeFile,
    paths.input, paths.output, recipe.baseMix,
  ];
}
