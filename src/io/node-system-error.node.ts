// Node's file-system errors read "ENOSPC: no space left on device, write": the code first, the
// path often missing (a write names no file). These helpers say it the other way round, in words,
// naming the path the user gave.

export interface SystemError extends Error {
  code: string;
  syscall?: string;
  path?: string;
}

export function isSystemError(error: unknown): error is SystemError {
  return error instanceof Error && typeof (error as SystemError).code === 'string' && /^E[A-Z0-9]+$/.test((error as SystemError).code);
}

/** "no space left on device (ENOSPC)": the words of the message, without the syscall and path. */
export function systemErrorReason(error: SystemError): string {
  const words = error.message.match(/^E[A-Z0-9]+: (.*?)(?:, \w+(?: '.*')?)?$/s)?.[1] ?? error.message;
  return `${words} (${error.code})`;
}

/** `${what}: reason` for a system error; other errors keep their message. */
export function describeFileError(what: string, error: unknown): Error {
  if (isSystemError(error)) return new Error(`${what}: ${systemErrorReason(error)}`);
  return error instanceof Error ? error : new Error(`${what}: ${String(error)}`);
}
