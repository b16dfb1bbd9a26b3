import * as Comlink from 'comlink';
import { describe, expect, it } from 'vitest';
import { SeveralGgufModelsError } from '../core/model/plan-gguf.ts';
import { carryErrorDetails } from './error-details.ts';

describe('carryErrorDetails', () => {
  it('an error\'s own data crosses with its message; functions and objects do not', () => {
    carryErrorDetails();
    const handler = Comlink.transferHandlers.get('throw')!;
    const error = Object.assign(new SeveralGgufModelsError('me/repo', ['a-Q4_K_M.gguf', 'a-Q8_0.gguf']), { callback: () => 1, nested: { x: 1 } });
    const [serialized] = handler.serialize({ value: error });
    // What the page's side does with what crossed (structured cloning keeps plain data as it is).
    let rethrown: unknown;
    try {
      handler.deserialize(structuredClone(serialized));
    } catch (e) {
      rethrown = e;
    }
    expect((rethrown as Error).message).toBe('me/repo holds 2 GGUF models (a-Q4_K_M.gguf, a-Q8_0.gguf): name the one to open');
    expect((rethrown as { ggufModels: string[] }).ggufModels).toEqual(['a-Q4_K_M.gguf', 'a-Q8_0.gguf']);
    expect(rethrown).not.toHaveProperty('callback');
    expect(rethrown).not.toHaveProperty('nested');
  });
});
