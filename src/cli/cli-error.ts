/** An error the user caused (bad arguments, bad input): printed without a stack trace. */
export class CliError extends Error {}
