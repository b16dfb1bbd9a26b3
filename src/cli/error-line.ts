// How a failed command reports itself: one line, "quant-studio <cmd>: <message>". A message of
// several lines is folded into one; a file-system error names its path and says its reason in
// words; an error of the JavaScript engine itself (a TypeError: a bug, not a bad input) is called
// an internal error. The stack is printed only with QUANT_STUDIO_DEBUG set.
import { isSystemError, systemErrorReason } from '../io/node-system-error.node.ts';
import { CliError } from './cli-error.ts';

const ENGINE_ERRORS = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError']);

/** Lines joined with "; " (or a space after a colon); control characters cannot break the line. */
export function foldMessage(message: string): string {
  const lines = message.split(/[\r\n]+/).map((l) => l.replace(/[\u0000-\u001f\u007f]/g, ' ').trim()).filter(Boolean);
  return lines.reduce((text, line) => (text === '' ? line : /[:;,]$/.test(text) ? `${text} ${line}` : `${text}; ${line}`), '');
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof CliError) return error.message;
  if (isSystemError(error)) return error.path ? `${error.path}: ${systemErrorReason(error)}` : systemErrorReason(error);
  if (ENGINE_ERRORS.has(error.constructor.name)) {
    // The engine's words ("Cannot read properties of undefined") mean nothing to the user; the
    // debug switch prints them with the stack for a bug report.
    return 'internal error (a bug in quant-studio, not a fault of the input); QUANT_STUDIO_DEBUG=1 prints the details to report';
  }
  return error.message || error.name;
}

export function errorLine(command: string, error: unknown): string {
  return `quant-studio ${command}: ${foldMessage(describe(error))}`;
}
