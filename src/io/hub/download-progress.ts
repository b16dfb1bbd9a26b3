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
  size: number;
  startedAt: number | null;
}

function rateAndEta(c: Counter, now: number): { bytesPerSecond: number; etaSeconds: number | null } {
  const seconds = c.startedAt === null ? 0 : (now - c.startedAt) / 1000;
  const bytesPerSecond = seconds > 0 ? c.bytes / seconds : 0;
  const left = Math.max(0, c.size - c.bytes);
  return { bytesPerSecond, etaSeconds: bytesPerSecond > 0 ? left / bytesPerSecond : left === 0 ? 0 : null };
}

export class DownloadProgress {
  private readonly files = new Map<string, Counter>();
  private readonly total: Counter = { bytes: 0, size: 0, startedAt: null };
  private lastReport = -Infinity;

  constructor(
    private readonly onProgress?: (p: HubDownloadProgress) => void,
    private readonly intervalMs = 200,
    private readonly now: () => number = () => performance.now(),
  ) {}

  addFile(name: string, size: number): void {
    if (this.files.has(name)) return;
    this.files.set(name, { bytes: 0, size, startedAt: null });
    this.total.size += size;
  }

  get bytes(): number {
    return this.total.bytes;
  }

  received(name: string, count: number): void {
    const file = this.files.get(name);
    if (!file || count <= 0) return;
    const now = this.now();
    file.startedAt ??= now;
    this.total.startedAt ??= now;
    file.bytes += count;
    this.total.bytes += count;
    const fileJustDone = file.bytes >= file.size && file.bytes - count < file.size;
    if (!this.onProgress || (!fileJustDone && now - this.lastReport < this.intervalMs)) return;
    this.lastReport = now;
    this.onProgress({
      file: { file: name, bytes: file.bytes, size: file.size, ...rateAndEta(file, now) },
      bytes: this.total.bytes,
      totalBytes: this.total.size,
      ...rateAndEta(this.total, now),
    });
  }
}
