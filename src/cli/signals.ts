// Ctrl-C, kill and a closed terminal (SIGINT, SIGTERM, SIGHUP) end a command at once: its partial
// output files are removed synchronously and the process exits with 128 + the signal's number, as
// a shell reports a process the signal killed. Exiting (not unwinding) also ends the worker threads
// of the quantizer pool and the sensitivity shards, which a busy thread could otherwise hold open.
// The handler runs on the main thread: a long synchronous step there (tokenizing a large text)
// delays it until that step ends.
import { constants } from 'node:os';
import { removePartialFilesSync } from '../io/node-sink.node.ts';
import { errorLine } from './error-line.ts';
import { clearProgressLine } from './progress.ts';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function exitNow(line: string, code: number, error?: unknown): never {
  removePartialFilesSync();
  try {
    process.stderr.write(`${clearProgressLine()}${line}\n`);
    if (process.env.QUANT_STUDIO_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  } catch {
    // A hung-up terminal may refuse the line; the exit status still tells.
  }
  process.exit(code);
}

/**
 * Installs the handlers for `command`; returns their removal (for main() called in-process).
 * `uncaught`: an error no command caught (a rejection nobody awaited) ends the process the same
 * way, with status 1, rather than with Node's stack trace and the partial files left behind.
 */
export function exitOnSignals(command: string, uncaught: boolean): () => void {
  const onSignal = (signal: NodeJS.Signals) => exitNow(`quant-studio ${command}: interrupted by ${signal}`, 128 + constants.signals[signal]);
  const onUncaught = (error: unknown) => exitNow(errorLine(command, error), 1, error);
  for (const signal of SIGNALS) process.on(signal, onSignal);
  if (uncaught) process.on('uncaughtException', onUncaught);
  return () => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
    process.off('uncaughtException', onUncaught);
  };
}
