// Sorts a parser's refusal into a clean error (a plain Error that names the input and says what is
// wrong) or a defect: an engine's own error leaking out, or a sign of an allocation without bound.
import type { Outcome } from './fuzz-types.ts';

/** Engines say these when an allocation ran away (strings, arrays, buffers past their limits). */
const MEMORY_SIGNS = /Invalid string length|Array buffer allocation failed|Invalid typed array length|Invalid array length|Invalid array buffer length|out of memory|allocation failed/i;
/** Phrases of JavaScript's own errors: a parser that lets them through did not check its input. */
const ENGINE_PHRASES = /Cannot read propert|Cannot set propert|Cannot convert|(?<!object )is not iterable|(?<!something that )is not a function|is not a constructor|is not defined|Offset is outside the bounds|Maximum call stack|Invalid time value|toFixed\(\) digits|Reduce of empty array|internal error|\[object Object\]/;
/** Error classes that only the engine throws. */
const ENGINE_CLASSES = new Set(['TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError']);

export function classifyError(error: unknown, errorNames: RegExp): { outcome: Outcome; detail: string } {
  if (!(error instanceof Error)) return { outcome: 'raw error', detail: `threw a non-Error: ${String(error).slice(0, 200)}` };
  const detail = `${error.name}: ${error.message}`.slice(0, 300);
  if (MEMORY_SIGNS.test(error.message)) return { outcome: 'memory', detail };
  if (ENGINE_CLASSES.has(error.name) || ENGINE_CLASSES.has(error.constructor.name)) return { outcome: 'raw error', detail };
  if (ENGINE_PHRASES.test(error.message)) return { outcome: 'raw error', detail };
  if (!errorNames.test(error.message)) return { outcome: 'raw error', detail: `does not name the input: ${detail}` };
  return { outcome: 'clean error', detail };
}
