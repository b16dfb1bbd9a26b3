// Shader modules, pipeline layouts and compute pipelines, one cache per GPUDevice for every
// kernel in src/gpu: created lazily, kept for the device's lifetime, shared by every quantizer,
// dequantizer and forward pass made on that device.

/** Binding index -> buffer type of group 0; an explicit layout lets one bind-group shape serve
 * kernels that leave some bindings unused (an 'auto' layout would drop those). */
export type KernelBindings = Readonly<Record<number, GPUBufferBindingType>>;

export interface KernelPipelineSpec {
  readonly label: string;
  /** One shader module per key: the kernels that share a source share its module. */
  readonly moduleKey: string;
  readonly source: () => string;
  readonly constants: Readonly<Record<string, number>>;
  readonly layout: KernelBindings | 'auto';
}

interface DeviceCache {
  readonly modules: Map<string, GPUShaderModule>;
  readonly layouts: Map<string, GPUPipelineLayout>;
  readonly pipelines: Map<string, Promise<GPUComputePipeline>>;
}

const caches = new WeakMap<GPUDevice, DeviceCache>();

function cacheOf(device: GPUDevice): DeviceCache {
  let cache = caches.get(device);
  if (!cache) {
    cache = { modules: new Map(), layouts: new Map(), pipelines: new Map() };
    caches.set(device, cache);
  }
  return cache;
}

function layoutOf(device: GPUDevice, cache: DeviceCache, bindings: KernelBindings | 'auto'): GPUPipelineLayout | 'auto' {
  if (bindings === 'auto') return 'auto';
  const key = JSON.stringify(bindings);
  let layout = cache.layouts.get(key);
  if (!layout) {
    const entries = Object.entries(bindings).map(([binding, type]): GPUBindGroupLayoutEntry =>
      ({ binding: Number(binding), visibility: GPUShaderStage.COMPUTE, buffer: { type } }));
    const group = device.createBindGroupLayout({ label: `KernelPipelines.bindGroupLayout.${key}`, entries });
    layout = device.createPipelineLayout({ label: `KernelPipelines.pipelineLayout.${key}`, bindGroupLayouts: [group] });
    cache.layouts.set(key, layout);
  }
  return layout;
}

/** The compute pipeline (entry point `main`) of `spec` on `device`, created once. */
export function kernelPipeline(device: GPUDevice, spec: KernelPipelineSpec): Promise<GPUComputePipeline> {
  const cache = cacheOf(device);
  const key = `${spec.moduleKey}|${JSON.stringify(spec.constants)}|${JSON.stringify(spec.layout)}`;
  let pipeline = cache.pipelines.get(key);
  if (!pipeline) {
    let module = cache.modules.get(spec.moduleKey);
    if (!module) {
      module = device.createShaderModule({ label: `KernelPipelines.module.${spec.moduleKey}`, code: spec.source() });
      cache.modules.set(spec.moduleKey, module);
    }
    pipeline = device.createComputePipelineAsync({
      label: spec.label,
      layout: layoutOf(device, cache, spec.layout),
      compute: { module, entryPoint: 'main', constants: { ...spec.constants } },
    });
    // A failed creation (a lost device, say) is not remembered: the next call tries again.
    pipeline.catch(() => cache.pipelines.delete(key));
    cache.pipelines.set(key, pipeline);
  }
  return pipeline;
}
