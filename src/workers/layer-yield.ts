// Between two layers of a CPU forward in a worker: the event loop turns, so a cancel() posted
// meanwhile is seen, and a cancelled run stops there with its reason.

export async function yieldBetweenLayers(signal: AbortSignal | undefined): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
}
