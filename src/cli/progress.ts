// Progress on stderr, only when a person is watching (a TTY); pipes and CI logs stay clean.
import type { ExportProgress } from '../core/export/export-gguf.ts';

const MB = 1024 * 1024;

export function exportProgressPrinter(stream: NodeJS.WriteStream = process.stderr): ((p: ExportProgress) => void) | undefined {
  if (!stream.isTTY) return undefined;
  const started = performance.now();
  return (p) => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? p.bytesWritten / MB / seconds : 0;
    const line =
      `[${p.tensorsDone}/${p.tensorCount}] ${(p.bytesWritten / MB).toFixed(1)}/${(p.totalBytes / MB).toFixed(1)} MiB` +
      ` ${rate.toFixed(1)} MiB/s  ${p.tensor}`;
    stream.write(`\r\x1b[2K${line}`);
    if (p.tensorsDone === p.tensorCount) stream.write('\n');
  };
}

/** What ends a progress line on a terminal before another line is written; nothing on a pipe. */
export function clearProgressLine(stream: NodeJS.WriteStream = process.stderr): string {
  return stream.isTTY ? '\r\x1b[2K' : '';
}

/** The local search's rounds (--refine), in place on a terminal. */
export function refineProgressPrinter(stream: NodeJS.WriteStream = process.stderr): ((r: { target: number; measured: number; of: number; best: number }) => void) | undefined {
  if (!stream.isTTY) return undefined;
  return (r) => stream.write(`\r\x1b[2Krefining the recipe of ${(r.target / MB).toFixed(2)} MiB: ${r.measured}/${r.of} measured, best KL ${r.best.toExponential(3)}`);
}
