// The bytes of GPU buffers a device holds: every buffer counts from createBuffer until its
// destroy(). The export reports the peak to the user (and to the e2e tests, which bound it), so
// a change that keeps whole tensors or forgets a destroy shows up as a number, not a crash on a
// smaller GPU.

export interface GpuMemory {
  /** Bytes of buffers created and not yet destroyed. */
  liveBytes: number;
  /** The most liveBytes reached since the last resetGpuMemoryPeak. */
  peakBytes: number;
}

const accounts = new WeakMap<GPUDevice, GpuMemory>();

/** Starts counting `device`'s buffers (once; later calls change nothing). */
export function trackGpuMemory(device: GPUDevice): void {
  if (accounts.has(device)) return;
  const account: GpuMemory = { liveBytes: 0, peakBytes: 0 };
  accounts.set(device, account);
  const createBuffer = device.createBuffer.bind(device);
  device.createBuffer = (descriptor: GPUBufferDescriptor): GPUBuffer => {
    const buffer = createBuffer(descriptor);
    account.liveBytes += descriptor.size;
    account.peakBytes = Math.max(account.peakBytes, account.liveBytes);
    const destroy = buffer.destroy.bind(buffer);
    let live = true;
    buffer.destroy = () => {
      if (live) account.liveBytes -= descriptor.size;
      live = false;
      destroy();
    };
    return buffer;
  };
}

/** What `device` holds now and its peak, or null when it is not tracked. */
export function gpuMemoryOf(device: GPUDevice): GpuMemory | null {
  const account = accounts.get(device);
  return account ? { ...account } : null;
}

/** Starts a new peak from what is live now (before a job whose own peak is wanted). */
export function resetGpuMemoryPeak(device: GPUDevice): void {
  const account = accounts.get(device);
  if (account) account.peakBytes = account.liveBytes;
}
