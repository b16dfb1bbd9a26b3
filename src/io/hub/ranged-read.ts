// One byte range of one remote file, read with HTTP Range requests into a caller's buffer. A
// dropped connection or a short body resumes from the last byte received (not from the start);
// 5xx and 429 are retried after a capped backoff (or the server's Retry-After). The read gives up
// after `maxAttempts` failures in a row without a byte of progress, naming the file and range.
import { HubError } from './hub-errors.ts';
import { backoffMs, isRetryableStatus, parseRetryAfterMs, sleep, type RetryPolicy } from './retry-policy.ts';
import type { FetchLike } from './token-scoped-fetch.ts';

export interface RangedReadTarget {
  /** Shown in errors: the file's path in the repo. */
  name: string;
  url: string;
  fileSize: number;
  fetch: FetchLike;
  policy: RetryPolicy;
  /** A stalled body (no bytes for this long) is cut and resumed. */
  idleTimeoutMs: number;
  /** Turns a status that no retry will fix (401, 403, 404, …) into the error to throw. */
  statusError(status: number): Error;
  onBytes?(count: number): void;
  onRetry?(info: { name: string; attempt: number; delayMs: number; reason: string }): void;
}

/** A failure worth another attempt (a retryable status, a short body, a stall). */
class RetryableFailure extends Error {
  constructor(message: string, readonly retryAfterMs: number | null = null) {
    super(message);
  }
}

function describe(error: unknown): string {
  const e = error as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `${e?.message ?? String(error)}${cause ? ` (${cause})` : ''}`;
}

function checkContentRange(target: RangedReadTarget, header: string | null, start: number): void {
  const m = header ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header.trim()) : null;
  if (!m) throw new HubError(`${target.name}: the server answered a range request without a valid Content-Range (${header ?? 'none'})`);
  if (Number(m[1]) !== start) throw new HubError(`${target.name}: asked for bytes from ${start}, the server sent bytes from ${m[1]}`);
  if (m[3] !== '*' && Number(m[3]) !== target.fileSize) {
    throw new HubError(`${target.name}: the file is ${m[3]} bytes on the server but was listed as ${target.fileSize} (did the revision change?)`);
  }
}

/** Copies the body into out[state.received…]; `skip` bytes are dropped first (a 200 to a range request). */
async function pumpBody(body: ReadableStream<Uint8Array>, out: Uint8Array, state: { received: number }, skip: number, onChunk: (bytes: number) => void): Promise<void> {
  const reader = body.getReader();
  try {
    let toSkip = skip;
    while (state.received < out.length) {
      const { done, value } = await reader.read();
      if (done) break;
      let chunk = value;
      if (toSkip > 0) {
        if (chunk.length <= toSkip) {
          toSkip -= chunk.length;
          continue;
        }
        chunk = chunk.subarray(toSkip);
        toSkip = 0;
      }
      if (chunk.length > out.length - state.received) chunk = chunk.subarray(0, out.length - state.received);
      out.set(chunk, state.received);
      state.received += chunk.length;
      onChunk(chunk.length);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** Fills `out` with the file's bytes [offset, offset + out.length). */
export async function readRangeWithResume(target: RangedReadTarget, offset: number, out: Uint8Array, signal?: AbortSignal): Promise<void> {
  const length = out.length;
  const last = offset + length - 1;
  const state = { received: 0 };
  let failures = 0;
  while (state.received < length) {
    signal?.throwIfAborted();
    const before = state.received;
    const attempt = new AbortController();
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const idle = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => attempt.abort(new RetryableFailure(`no data for ${target.idleTimeoutMs} ms`)), target.idleTimeoutMs);
    };
    try {
      idle();
      const attemptSignal = signal ? AbortSignal.any([signal, attempt.signal]) : attempt.signal;
      const start = offset + state.received;
      const response = await target.fetch(target.url, { headers: { range: `bytes=${start}-${last}` }, signal: attemptSignal });
      if (response.status === 206) {
        checkContentRange(target, response.headers.get('content-range'), start);
      } else if (response.status !== 200) {
        await response.body?.cancel().catch(() => {});
        if (isRetryableStatus(response.status)) {
          throw new RetryableFailure(`HTTP ${response.status}`, parseRetryAfterMs(response.headers.get('retry-after')));
        }
        throw target.statusError(response.status);
      }
      if (!response.body) throw new RetryableFailure('a response without a body');
      await pumpBody(response.body, out, state, response.status === 200 ? start : 0, (bytes) => {
        idle();
        target.onBytes?.(bytes);
      });
      if (state.received < length) {
        throw new RetryableFailure(`the body ended after ${state.received - before} of ${length - before} bytes (truncated)`);
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const reason = attempt.signal.aborted ? attempt.signal.reason : error;
      if (reason instanceof HubError || (reason instanceof Error && !(reason instanceof RetryableFailure) && !isNetworkError(reason))) throw reason;
      failures = state.received > before ? 1 : failures + 1;
      if (failures >= target.policy.maxAttempts) {
        throw new HubError(
          `${target.name}: bytes ${offset}-${last}: gave up after ${failures} failed attempts in a row (last: ${describe(reason)}); ` +
            `${state.received} of ${length} bytes had arrived`,
        );
      }
      const delayMs = backoffMs(target.policy, failures, reason instanceof RetryableFailure ? reason.retryAfterMs : null);
      target.onRetry?.({ name: target.name, attempt: failures, delayMs, reason: describe(reason) });
      await sleep(delayMs, signal);
    } finally {
      clearTimeout(idleTimer);
    }
  }
}

/** fetch and body streams fail with TypeError (undici: "fetch failed", "terminated") or a socket error. */
function isNetworkError(error: Error): boolean {
  return error instanceof TypeError || error.name === 'AbortError' || 'code' in error;
}
