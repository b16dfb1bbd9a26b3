// The WebGPU forward an analysis worker makes on first use and keeps (f16 matmuls where the
// device has them: these workers measure KL divergence). A lost device fails the
// work in progress with the reason (through `onLost`) and is made anew on the next call, as is a
// device that could not be made.
import { requestQuantDevice } from '../gpu/device.ts';
import { createGpuForward, preferredMatmulMath, type GpuForward } from '../gpu/forward/gpu-forward.ts';
import { createGpuRowDequantizer } from '../gpu/gpu-dequantizer.ts';

/** The forward and its device (the sensitivity pass's layer replay runs on the same device). */
export type DeviceGpuForward = GpuForward & { readonly device: GPUDevice };

export function lazyGpuForward(worker: string, noWebGpu: string, onLost: (error: Error) => void): () => Promise<DeviceGpuForward> {
  let forward: Promise<DeviceGpuForward> | null = null;
  return () => {
    forward ??= (async () => {
      const gpu = (self.navigator as Navigator & { gpu?: GPU }).gpu;
      if (!gpu) throw new Error(`${worker}: this browser has no WebGPU; ${noWebGpu}`);
      const device = await requestQuantDevice(gpu, {
        onLost: (info) => {
          forward = null;
          onLost(new Error(`${worker}: the GPU device was lost (${info.reason}): ${info.message}`));
        },
      });
      // Evaluation and sensitivity measure KL divergence, which f16 matmuls resolve well enough.
      return Object.assign(createGpuForward(device, { dequantizer: createGpuRowDequantizer(device), matmulMath: preferredMatmulMath(device) }), { device });
    })();
    forward.catch(() => { forward = null; });
    return forward;
  };
}
