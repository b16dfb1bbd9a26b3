// Errors cross from a worker to the page through Comlink, which keeps only their name, message
// and stack. Some carry what the page acts on (SeveralGgufModelsError's list of models, offered as
// buttons): their own data properties cross too, so the page never parses a message for them.
// Comlink's page side already copies every property it receives onto the Error it rethrows.
import * as Comlink from 'comlink';

/** Call once in a worker, before Comlink.expose. */
export function carryErrorDetails(): void {
  const original = Comlink.transferHandlers.get('throw')!;
  Comlink.transferHandlers.set('throw', {
    canHandle: original.canHandle,
    serialize(thrown) {
      const [serialized, transfer] = original.serialize(thrown);
      const { value } = thrown as { value: unknown };
      const s = serialized as { isError?: boolean; value: Record<string, unknown> };
      if (s.isError && value instanceof Error) {
        for (const [key, v] of Object.entries(value)) {
          // Only what structured cloning keeps as it is: plain data.
          if (!(key in s.value) && isPlainData(v)) s.value[key] = v;
        }
      }
      return [serialized, transfer];
    },
    deserialize: original.deserialize,
  });
}

function isPlainData(v: unknown): boolean {
  if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) return true;
  if (Array.isArray(v)) return v.every(isPlainData);
  return false;
}
