// One way to say "this work was cancelled" and one way to ask. Cancellation crosses workers
// (Comlink rebuilds a thrown error from its name and message), AbortSignal reasons and fetch's
// own aborts, so the test is on the name that all of them share: 'AbortError'.

/** Work stopped on purpose (the user, a model switch, a newer run): not a failure to show. */
export class CancelledError extends Error {
  override readonly name = 'AbortError';
  constructor(message = 'Cancelled') {
    super(message);
  }
}

/** True for a CancelledError, a DOMException AbortError, or either after crossing a worker. */
export function isCancellation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}
