// The one place a quantization GPUDevice is made: limits raised to what the adapter allows (large
// tensors are chunked against them), loss / uncaptured errors reported instead of swallowed, and
// its buffers' bytes counted (gpu-memory.ts).
import { trackGpuMemory } from './gpu-memory.ts';

export interface QuantDeviceOptions {
  /** Called once if the device is lost for any reason other than our own destroy(). */
  onLost?: (info: GPUDeviceLostInfo) => void;
  /** Called for validation / out-of-memory errors no error scope caught. */
  onUncapturedError?: (error: GPUError) => void;
}

export async function requestQuantDevice(gpu: GPU, options: QuantDeviceOptions = {}): Promise<GPUDevice> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('requestQuantDevice: no WebGPU adapter is available');
  // f16 arithmetic in the forward's matmul (gpu-forward.ts) where the adapter offers it.
  const requiredFeatures: GPUFeatureName[] = adapter.features.has('shader-f16') ? ['shader-f16'] : [];
  const device = await adapter.requestDevice({
    label: 'QuantDevice.device',
    requiredFeatures,
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
  });
  trackGpuMemory(device);
  device.lost.then((info) => {
    if (info.reason === 'destroyed') return;
    if (options.onLost) options.onLost(info);
    else console.error(`QuantDevice.device lost (${info.reason}): ${info.message}`);
  });
  device.addEventListener('uncapturederror', (event) => {
    const error = (event as GPUUncapturedErrorEvent).error;
    if (options.onUncapturedError) options.onUncapturedError(error);
    else console.error(`QuantDevice.device uncaptured error: ${error.message}`);
  });
  return device;
}

/** A human-readable adapter name for logs and the UI ("vendor architecture device"). */
export function describeDevice(device: GPUDevice): string {
  return describeAdapter(device.adapterInfo);
}

/** The same name from an adapter's info, before any device is made. */
export function describeAdapter(info: GPUAdapterInfo): string {
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((s) => s);
  return parts.length > 0 ? parts.join(' ') : 'unknown WebGPU adapter';
}

/** A CPU emulation of a GPU (SwiftShader, llvmpipe, lavapipe): slower than the CPU path. */
export function isSoftwareAdapter(info: GPUAdapterInfo): boolean {
  return /swiftshader|llvmpipe|lavapipe/.test(describeAdapter(info).toLowerCase());
}
