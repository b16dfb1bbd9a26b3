import { describe, expect, it, vi } from 'vitest';
import { downloadListenerSlot } from './download-listener.ts';

const event = { kind: 'cache', file: 'model.safetensors', bytes: 1 } as const;

describe('downloadListenerSlot', () => {
  it('a superseded call that stops late does not silence the newer one', () => {
    const slot = downloadListenerSlot();
    const older = vi.fn();
    const newer = vi.fn();
    const stopOlder = slot.listen(older);
    const stopNewer = slot.listen(newer);
    stopOlder();
    slot.emit(event);
    expect(newer).toHaveBeenCalledWith(event);
    expect(older).not.toHaveBeenCalled();
    stopNewer();
    slot.emit(event);
    expect(newer).toHaveBeenCalledTimes(1);
  });
});
