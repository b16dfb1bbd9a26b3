// Bytes received, throughput and ETA, per file and over the model, reported to a callback at
// most every `intervalMs` (a multi-GB download delivers tens of thousands of chunks).

export interface FileProgress {
  file: string;
  bytes: number;
  size: number;
  bytesPerSecond: number;
  /** Seconds left at the current rate; null before any byte arrived. */
  etaSeconds: number | null;
}

export interface HubDownloadProgress {
  /** The file that just received bytes. */
  file: FileProgress;
  /** Over every file opened so far (the planner opens them all before the export starts). */
  bytes: number;
  totalBytes: number;
  bytesPerSecond: number;
  etaSeconds: number | null;
}

interface Counter {
  bytes: number;
  /** What this pass is expected to fetch: the file's size, less what the open already read. */
  size: number;
  startedAt: number | null;
}

function rateAndEta(c: Counter, now: number): { bytesPerSecond: number; etaSeconds: number | null } {
  const seconds = c.startedAt === null ? 0 : (now - c.startedAt) / 1000;
  const bytesPerSecond = seconds > 0 ? c.bytes / seconds : 0;
  const left = Math.max(0, c.size - c.bytes);
  return { bytesPerSecond, etaSeconds: bytesPerSecond > 0 ? left / bytesPerSecond : left === 0 ? 0 : null };
}

/**
 * Counts in passes. The open is the first: it reads headers. Each export is a pass of its own,
 * counted from zero and against what it is expected to fetch (the sizes, less the headers the
 * open read and the reader keeps), so a second export never shows more bytes than the model has.
 */
export class DownloadProgress {
  private readonly files = new Map<string, Counter & { fileSize: number; readAtOpen: number | null }>();
  private readonly total: Counter = { bytes: 0, size: 0, startedAt: null };
  private lastReport = -Infinity;
  /** Every byte received, across passes. */
  private receivedEver = 0;

  constructor(
    private readonly onProgress?: (p: HubDownloadProgress) => void,
    private readonly intervalMs = 200,
    private readonly now: () => number = () => performance.now(),
  ) {}

  addFile(name: string, size: number): void {
    if (this.files.has(name)) return;
    this.files.set(name, { bytes: 0, size, fileSize: size, startedAt: null, readAtOpen: null });
    this.total.size += size;
  }

  /** Every byte received since the files were opened (passes do not reset it). */
  get bytes(): number {
    return this.receivedEver;
  }

  /** The next pass (another export of the open model) counts its own bytes from zero. */
  restart(): void {
    this.total.size = 0;
    for (const c of this.files.values()) {
      c.readAtOpen ??= c.bytes;
      c.size = Math.max(0, c.fileSize - c.readAtOpen);
      this.total.size += c.size;
      c.bytes = 0;
      c.startedAt = null;
    }
    this.total.bytes = 0;
    this.total.startedAt = null;
    this.lastReport = -Infinity;
  }

  /**
   * The pass is complete (the export read everything it needed): the last figures go out at once,
   * and what it fetched is its total, so the page shows it done.
   */
  finish(): void {
    if (!this.onProgress) return;
    const now = this.now();
    this.total.size = this.total.bytes;
    for (const [name, c] of this.files) {
      if (c.startedAt === null) continue;
      c.size = c.bytes;
      this.report(name, now);
    }
  }

  received(name: string, count: number): void {
    const file = this.files.get(name);
    if (!file || count <= 0) return;
    const now = this.now();
    file.startedAt ??= now;
    this.total.startedAt ??= now;
    file.bytes += count;
    this.total.bytes += count;
    this.receivedEver += count;
    const fileJustDone = file.bytes >= file.size && file.bytes - count < file.size;
    if (!this.onProgress || (!fileJustDone && now - this.lastReport < this.intervalMs)) return;
    this.report(name, now);
  }

  private report(name: string, now: number): void {
    const file = this.files.get(name)!;
    this.lastReport = now;
    // An estimate exceeded (a verification re-read) grows rather than showing more than all.
    this.onProgress!({
      file: { file: name, bytes: file.bytes, size: Math.max(file.size, file.bytes), ...rateAndEta(file, now) },
      bytes: this.total.bytes,
      totalBytes: Math.max(this.total.size, this.total.bytes),
      ...rateAndEta(this.total, now),
    });
  }
}
