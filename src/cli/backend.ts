// Chooses the quantizer for the CLI: WebGPU through Dawn (the `webgpu` package) or the CPU
// reference. "auto" takes the GPU only when it is a real one: on a software adapter
// (SwiftShader) the CPU path is faster. The CPU path quantizes on a pool of worker threads
// (QUANT_STUDIO_THREADS, default one per core), which also leaves the main thread free to
// download, hash and decode the next rows meanwhile.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { RowQuantizer } from '../core/quant/row-quantizer.ts';
import { createParallelRowQuantizer } from '../io/parallel-quantizer.node.ts';
import type { BackendChoice } from './args.ts';
import { CliError } from './cli-error.ts';

export interface Backend {
  quantizer: RowQuantizer;
  description: string;
  dispose(): void;
}

function threadsFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const value = env.QUANT_STUDIO_THREADS;
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`QUANT_STUDIO_THREADS=${value}: expected a positive whole number`);
  return n;
}

function cpuBackend(env: NodeJS.ProcessEnv = process.env): Backend {
  const quantizer = createParallelRowQuantizer({ threads: threadsFromEnv(env) });
  return {
    quantizer,
    description: `cpu (${quantizer.threads} thread${quantizer.threads === 1 ? '' : 's'})`,
    // Idle threads do not hold the process open; ending them frees their memory at once.
    dispose: () => void quantizer.dispose(),
  };
}


/**
 * Whether the Vulkan loader Dawn needs on Linux can be found. Without it Dawn finds no adapter and
 * prints its own warning (with a native stack) on stderr, which "auto" must not leave in the
 * output of a command that then runs on the CPU anyway.
 */
export function vulkanLoaderFound(env: NodeJS.ProcessEnv): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), '/lib', '/lib64', '/usr/lib', '/usr/lib64', '/usr/local/lib'];
  if (dirs.some((dir) => existsSync(path.join(dir, 'libvulkan.so.1')))) return true;
  try {
    return readFileSync('/etc/ld.so.cache').includes('libvulkan.so.1');
  } catch {
    return true; // No cache to consult: let Dawn look.
  }
}

/** Thrown when the `webgpu` package (Dawn) is not installed: the npm package leaves it optional. */
export class WebgpuMissingError extends CliError {
  constructor() {
    super('the GPU backend needs the optional `webgpu` package (Dawn, about 130 MB): run `npm install webgpu@0.6.2` beside quant-studio, or use --backend cpu');
  }
}

/** The `webgpu` package, or WebgpuMissingError when it cannot be found. */
async function importWebgpu(): Promise<typeof import('webgpu')> {
  try {
    return await import('webgpu');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes("'webgpu'")) throw new WebgpuMissingError();
    throw error;
  }
}

/** Dawn's (the `webgpu` package's) high-performance adapter, or null when it finds none. */
export async function requestNodeAdapter(): Promise<{ gpu: GPU; adapter: GPUAdapter } | null> {
  const { create, globals } = await importWebgpu();
  Object.assign(globalThis, globals);
  // Dawn crashes if its GPU object is collected while devices live: keep it on globalThis.
  const gpu = create([]);
  (globalThis as { __quantStudioGpu?: GPU }).__quantStudioGpu = gpu;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  return adapter ? { gpu, adapter } : null;
}

export async function openBackend(choice: BackendChoice): Promise<Backend> {
  if (choice === 'cpu') return cpuBackend();
  if (choice === 'auto' && !vulkanLoaderFound(process.env)) return cpuBackend();
  let found: Awaited<ReturnType<typeof requestNodeAdapter>>;
  try {
    found = await requestNodeAdapter();
  } catch (error) {
    // Without the optional `webgpu` package "auto" quietly means the CPU; "gpu" says what to install.
    if (choice === 'auto' && error instanceof WebgpuMissingError) return cpuBackend();
    throw error;
  }
  if (!found) {
    if (choice === 'gpu') throw new CliError('--backend gpu: no WebGPU adapter found (Dawn/Vulkan)');
    return cpuBackend();
  }
  const { gpu, adapter } = found;
  const { isSoftwareAdapter, requestQuantDevice } = await import('../gpu/device.ts');
  if (choice === 'auto' && isSoftwareAdapter(adapter.info)) return cpuBackend();
  const { createGpuRowQuantizer } = await import('../gpu/gpu-quantizer.ts');
  const device = await requestQuantDevice(gpu);
  return {
    quantizer: createGpuRowQuantizer(device),
    description: `gpu (${adapter.info.description || adapter.info.vendor || 'WebGPU'})`,
    dispose: () => device.destroy(),
  };
}
