// The retry/resume logic of one ranged read, against a scripted fetch: what each attempt asked
// for, how long it waited, and when it gave up.
import { describe, expect, it } from 'vitest';
import { HubError } from '../../src/io/hub/hub-errors.ts';
import { readRangeWithResume, type RangedReadTarget } from '../../src/io/hub/ranged-read.ts';
import { backoffMs, DEFAULT_RETRY_POLICY, parseRetryAfterMs } from '../../src/io/hub/retry-policy.ts';

const FILE = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255);

/** A body that delivers `bytes` in small chunks and then fails (a dropped connection) or ends early. */
function body(bytes: Uint8Array, end: 'ok' | 'error'): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at < bytes.length) {
        controller.enqueue(bytes.slice(at, at + 64));
        at += 64;
      } else if (end === 'error') controller.error(new TypeError('terminated'));
      else controller.close();
    },
  });
}

type Step = { status: number; sendBytes?: number; end?: 'ok' | 'error'; retryAfter?: string } | 'network-error';

function scriptedTarget(steps: Step[], retry: Partial<typeof DEFAULT_RETRY_POLICY> = {}) {
  const asked: string[] = [];
  const delays: number[] = [];
  const target: RangedReadTarget = {
    name: 'model.safetensors',
    url: 'http://hub.test/file',
    fileSize: FILE.length,
    policy: { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1, maxDelayMs: 4, maxRetryAfterMs: 50, ...retry },
    idleTimeoutMs: 5000,
    statusError: (status) => new HubError(`status ${status}`, status),
    onRetry: (r) => delays.push(r.delayMs),
    fetch: (async (_url: string, init: RequestInit) => {
      const range = new Headers(init.headers).get('range')!;
      asked.push(range);
      const step = steps.shift() ?? { status: 206 };
      if (step === 'network-error') throw new TypeError('fetch failed');
      const [, a, b] = /bytes=(\d+)-(\d+)/.exec(range)!.map(Number) as [number, number, number];
      if (step.status !== 206) return new Response('no', { status: step.status, headers: step.retryAfter ? { 'retry-after': step.retryAfter } : {} });
      const full = FILE.slice(a, b + 1);
      const sent = full.subarray(0, step.sendBytes ?? full.length);
      return new Response(body(sent, step.end ?? 'ok'), { status: 206, headers: { 'content-range': `bytes ${a}-${b}/${FILE.length}` } });
    }) as typeof fetch,
  };
  return { target, asked, delays };
}

describe('readRangeWithResume', () => {
  it('resumes a dropped connection and a truncated body from the last byte received', async () => {
    const { target, asked } = scriptedTarget([{ status: 206, sendBytes: 128, end: 'error' }, { status: 206, sendBytes: 192, end: 'ok' }]);
    const out = new Uint8Array(600);
    await readRangeWithResume(target, 100, out);
    expect(out).toEqual(FILE.slice(100, 700));
    expect(asked).toEqual(['bytes=100-699', 'bytes=228-699', 'bytes=420-699']);
  });

  it('retries 5xx, 429 and network errors; honours Retry-After (capped)', async () => {
    const { target, asked, delays } = scriptedTarget([{ status: 500 }, 'network-error', { status: 429, retryAfter: '0.03' }, { status: 429, retryAfter: '3600' }]);
    const out = new Uint8Array(10);
    await readRangeWithResume(target, 0, out);
    expect(out).toEqual(FILE.slice(0, 10));
    expect(asked).toHaveLength(5);
    expect(delays).toEqual([1, 2, 30, 50]); // backoff 1, 2; Retry-After 30 ms; 3600 s capped at 50 ms
  });

  it('gives up after maxAttempts failures in a row, naming the file and the byte range', async () => {
    const { target, asked } = scriptedTarget(Array(10).fill({ status: 503 }), { maxAttempts: 3 });
    const error = await readRangeWithResume(target, 10, new Uint8Array(20)).catch((e: Error) => e);
    expect((error as Error).message).toBe('model.safetensors: bytes 10-29: gave up after 3 failed attempts in a row (last: HTTP 503); 0 of 20 bytes had arrived');
    expect(asked).toHaveLength(3);
  });

  it('counts only failures without progress: a slow trickle of cuts still completes', async () => {
    const cuts: Step[] = Array(8).fill({ status: 206, sendBytes: 64, end: 'error' });
    const { target } = scriptedTarget(cuts, { maxAttempts: 2 });
    const out = new Uint8Array(900);
    await readRangeWithResume(target, 0, out);
    expect(out).toEqual(FILE.slice(0, 900));
  });

  it('does not retry 404 or 401', async () => {
    for (const status of [404, 401]) {
      const { target, asked } = scriptedTarget([{ status }]);
      await expect(readRangeWithResume(target, 0, new Uint8Array(5))).rejects.toThrow(`status ${status}`);
      expect(asked).toHaveLength(1);
    }
  });

  it('stops on cancellation, also while waiting to retry', async () => {
    const { target } = scriptedTarget(Array(10).fill({ status: 500 }), { baseDelayMs: 10_000, maxDelayMs: 10_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled by the user')), 20);
    await expect(readRangeWithResume(target, 0, new Uint8Array(5), controller.signal)).rejects.toThrow('cancelled by the user');
  });

  it('rejects a response for a different size or start (the file changed)', async () => {
    const target: RangedReadTarget = {
      ...scriptedTarget([]).target,
      fetch: (async () => new Response('x', { status: 206, headers: { 'content-range': 'bytes 0-0/5' } })) as typeof fetch,
    };
    await expect(readRangeWithResume(target, 0, new Uint8Array(1))).rejects.toThrow('the file is 5 bytes on the server but was listed as 1000');
  });
});

describe('retry policy', () => {
  it('parses Retry-After as seconds or an HTTP date; backs off exponentially up to a cap', () => {
    expect(parseRetryAfterMs('2')).toBe(2000);
    expect(parseRetryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfterMs('soon')).toBeNull();
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 350 };
    expect([1, 2, 3, 4].map((n) => backoffMs(policy, n, null))).toEqual([100, 200, 350, 350]);
  });
});
