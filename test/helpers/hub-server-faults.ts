// The faults a test can inject into the Hub stand-in (downloads and uploads), and how a request
// takes one: the first that matches and still has uses left, which it uses up.

export type HubFault =
  /** Destroys the connection after `afterBytes` bytes of the body (of a response longer than that). */
  | { kind: 'cut'; file: string; afterBytes: number; times?: number }
  /** Sends `afterBytes` bytes of a body whose Content-Length promises more, then closes. */
  | { kind: 'truncate'; file: string; afterBytes: number; times?: number }
  /** Answers with `status` (and Retry-After) instead of the bytes; `times: Infinity` is persistent. */
  | { kind: 'status'; file: string; status: number; retryAfter?: string; times?: number }
  /** Serves the file with one byte changed at `offset` (a corrupt transfer or a tampered CDN). */
  | { kind: 'flip-byte'; file: string; offset: number; times?: number }
  /** Upload side: destroys the connection after `afterBytes` bytes of an upload's body (part 0: a one-PUT upload). */
  | { kind: 'upload-cut'; afterBytes: number; part?: number; times?: number }
  /** Upload side: reads the body, then answers `status` instead of storing it. */
  | { kind: 'upload-status'; status: number; part?: number; times?: number }
  /** Answers `status` to the multipart completion (nothing joined). */
  | { kind: 'complete-status'; status: number; times?: number }
  /** Answers `status` to a commit (nothing committed). */
  | { kind: 'commit-status'; status: number; times?: number };

export type DownloadFault = Extract<HubFault, { file: string }>;

/** The first fault of `faults` that `matches` and has uses left, used up once; null when none. */
function takeFault<F extends HubFault>(faults: HubFault[], matches: (f: HubFault) => f is F): F | null {
  const fault = faults.find((f): f is F => matches(f) && (f.times ?? 1) > 0);
  if (!fault) return null;
  fault.times = (fault.times ?? 1) - 1;
  return fault;
}

/**
 * A fault for a download of `file` whose body is `length` bytes. A cut or a truncation only
 * applies to a response longer than its `afterBytes` (else it would cut nothing).
 */
export function takeDownloadFault(faults: HubFault[], file: string, length: number): DownloadFault | null {
  return takeFault(faults, (f): f is DownloadFault => 'file' in f && f.file === file && ((f.kind !== 'cut' && f.kind !== 'truncate') || length > f.afterBytes));
}

/** A fault of `kind` on the upload side; one with a `part` applies to that part only. */
export function takeUploadFault<K extends HubFault['kind']>(faults: HubFault[], kind: K, part?: number): Extract<HubFault, { kind: K }> | null {
  return takeFault(faults, (f): f is Extract<HubFault, { kind: K }> => f.kind === kind && (!('part' in f) || f.part === undefined || f.part === part));
}
