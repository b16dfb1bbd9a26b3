// Dawn (the `webgpu` package) for GPU tests in Node. The Vulkan loader reads its environment at
// process start, so the variables must come from the command line, not from here:
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json LD_LIBRARY_PATH=/usr/lib/chromium \
//   XDG_RUNTIME_DIR=/tmp npx vitest run test/gpu
import { create, globals } from 'webgpu';
import { requestQuantDevice } from '../../src/gpu/device.ts';

const REQUIRED_ENV = ['VK_ICD_FILENAMES', 'LD_LIBRARY_PATH', 'XDG_RUNTIME_DIR'] as const;

declare global {
  // Dawn crashes or hangs if its GPU object is garbage-collected while devices live.
  var __dawnGpu: GPU | undefined;
}

function assertEnvironment(): void {
  const missing = REQUIRED_ENV.filter((name) => !process.env[name]);
  if (missing.length > 0) {
    throw new Error(
      `test/helpers/gpu-env.ts: GPU tests need ${missing.join(', ')} set before Node starts, e.g. ` +
        'VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json LD_LIBRARY_PATH=/usr/lib/chromium ' +
        'XDG_RUNTIME_DIR=/tmp npx vitest run test/gpu',
    );
  }
}

export function getNodeGpu(): GPU {
  if (!globalThis.__dawnGpu) {
    assertEnvironment();
    Object.assign(globalThis, globals);
    globalThis.__dawnGpu = create([]);
  }
  return globalThis.__dawnGpu;
}

/** WebGPU errors no error scope caught, in order; tests assert this stays empty. */
export const uncapturedGpuErrors: string[] = [];

/** A quantization device on Dawn; the caller must destroy() it (afterAll) so Node can exit. */
export async function createTestDevice(): Promise<GPUDevice> {
  return requestQuantDevice(getNodeGpu(), {
    onUncapturedError: (error) => {
      uncapturedGpuErrors.push(error.message);
      console.error(`test device: uncaptured WebGPU error: ${error.message}`);
    },
    onLost: (info) => {
      uncapturedGpuErrors.push(`device lost (${info.reason}): ${info.message}`);
    },
  });
}
