// Where the page's exports and calibrations run: `?backend=gpu` or `?backend=cpu` overrides the
// automatic choice (the GPU, unless WebGPU is a software emulation such as SwiftShader, where the
// CPU is faster). The e2e tests ask for `gpu` to prove the WGSL kernels in the page on machines
// without a GPU.
import type { BackendPreference } from '../workers/protocol.ts';

export function exportBackendChoice(search = globalThis.location?.search ?? ''): BackendPreference {
  const asked = new URLSearchParams(search).get('backend');
  return asked === 'gpu' || asked === 'cpu' ? asked : 'auto';
}
