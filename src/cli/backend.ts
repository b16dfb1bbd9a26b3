// Chooses the quantizer for the CLI: WebGPU through Dawn (the `webgpu` package) or the CPU
// reference. "auto" takes the GPU only when it is a real one: on a software adapter
// (SwiftShader) the CPU path is faster.
import type { RowQuantizer } from '../core/quant/row-quantizer.ts';
import { cpuRowQuantizer } from '../core/quant/cpu-quantizer.ts';
import type { BackendChoice } from './args.ts';
import { CliError } from './cli-error.ts';

export interface Backend {
  quantizer: RowQuantizer;
  description: string;
  dispose(): void;
}

const cpuBackend = (): Backend => ({ quantizer: cpuRowQuantizer, description: 'cpu', dispose() {} });

function isSoftwareAdapter(info: GPUAdapterInfo): boolean {
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  return text.includes('swiftshader') || text.includes('llvmpipe') || text.includes('lavapipe');
}

export async function openBackend(choice: BackendChoice): Promise<Backend> {
  if (choice === 'cpu') return cpuBackend();
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  // Dawn crashes if its GPU object is collected while devices live: keep it on globalThis.
  const gpu = create([]);
  (globalThis as { __quantStudioGpu?: GPU }).__quantStudioGpu = gpu;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    if (choice === 'gpu') throw new CliError('--backend gpu: no WebGPU adapter found (Dawn/Vulkan)');
    return cpuBackend();
  }
  if (choice === 'auto' && isSoftwareAdapter(adapter.info)) return cpuBackend();
  const { requestQuantDevice } = await import('../gpu/device.ts');
  const { createGpuRowQuantizer } = await import('../gpu/gpu-quantizer.ts');
  const device = await requestQuantDevice(gpu);
  return {
    quantizer: createGpuRowQuantizer(device),
    description: `gpu (${adapter.info.description || adapter.info.vendor || 'WebGPU'})`,
    dispose: () => device.destroy(),
  };
}
