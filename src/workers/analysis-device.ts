// Where a forward-pass job (calibration, evaluation) runs, by export's rule: the GPU unless it is a
// software emulation such as SwiftShader, whose WGSL forward is slower than the CPU reference; or
// what the page asks for (`?backend=cpu|gpu`). Asked of the worker, which has navigator.gpu.
import { describeAdapter, isSoftwareAdapter } from '../gpu/device.ts';
import type { BackendPreference } from './export.worker.ts';

/** Where the job runs, for the page to show (`detail` says why when it is the CPU). */
export interface AnalysisDevice {
  kind: 'cpu' | 'gpu';
  detail: string;
}

async function resolveDevice(preference: BackendPreference): Promise<AnalysisDevice> {
  if (preference === 'cpu') return { kind: 'cpu', detail: 'on the CPU (as asked)' };
  const gpu = (globalThis.navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { kind: 'cpu', detail: 'on the CPU: this browser has no WebGPU' };
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter) return { kind: 'cpu', detail: 'on the CPU: no WebGPU adapter is available' };
  const name = describeAdapter(adapter.info);
  if (preference === 'auto' && isSoftwareAdapter(adapter.info)) {
    return { kind: 'cpu', detail: `on the CPU: this GPU (${name}) is a software emulation, slower than the CPU path` };
  }
  return { kind: 'gpu', detail: `on the GPU (${name})` };
}

/** One answer per preference for the worker's life (the adapter does not change under it). */
export function deviceChooser(): (preference?: BackendPreference) => Promise<AnalysisDevice> {
  let chosen: { preference: BackendPreference; device: Promise<AnalysisDevice> } | null = null;
  return (preference = 'auto') => {
    if (chosen?.preference !== preference) chosen = { preference, device: resolveDevice(preference) };
    return chosen.device;
  };
}
