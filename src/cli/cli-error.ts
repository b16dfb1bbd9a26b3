import { isSystemError, systemErrorReason } from '../io/node-system-error.node.ts';

/** An error the user caused (bad arguments, bad input): printed without a stack trace. */
export class CliError extends Error {}

/** A rejection handler for reading an input: "<what>: no such file or directory (ENOENT)". */
export function inputFailure(what: string): (error: unknown) => never {
  return (error) => {
    throw new CliError(`${what}: ${isSystemError(error) ? systemErrorReason(error) : (error as Error).message}`);
  };
}
