// Shader modules (one per kernel family) and compute pipelines (one per variant key), created
// lazily and cached for the device's lifetime; explicit layouts so one bind group shape serves
// every quantization kernel.
import { quantVariant, type QuantVariantKey } from './quant-variants.ts';

export interface QuantPipelines {
  readonly quantizeLayout: GPUBindGroupLayout;
  readonly rowSigmaLayout: GPUBindGroupLayout;
  pipeline(key: QuantVariantKey): Promise<GPUComputePipeline>;
}

const storage = (binding: number, type: GPUBufferBindingType): GPUBindGroupLayoutEntry => ({
  binding,
  visibility: GPUShaderStage.COMPUTE,
  buffer: { type },
});

export function createQuantPipelines(device: GPUDevice): QuantPipelines {
  const quantizeLayout = device.createBindGroupLayout({
    label: 'QuantPipelines.quantizeLayout',
    entries: [
      storage(0, 'read-only-storage'),
      storage(1, 'read-only-storage'),
      storage(2, 'read-only-storage'),
      storage(3, 'storage'),
      storage(4, 'uniform'),
    ],
  });
  const rowSigmaLayout = device.createBindGroupLayout({
    label: 'QuantPipelines.rowSigmaLayout',
    entries: [storage(0, 'read-only-storage'), storage(1, 'storage'), storage(2, 'uniform')],
  });
  const layouts = {
    quantize: device.createPipelineLayout({ label: 'QuantPipelines.quantizePipelineLayout', bindGroupLayouts: [quantizeLayout] }),
    rowSigma: device.createPipelineLayout({ label: 'QuantPipelines.rowSigmaPipelineLayout', bindGroupLayouts: [rowSigmaLayout] }),
  };
  const modules = new Map<string, GPUShaderModule>();
  const pipelines = new Map<string, Promise<GPUComputePipeline>>();

  function moduleFor(key: QuantVariantKey): GPUShaderModule {
    const variant = quantVariant(key);
    let module = modules.get(variant.moduleKey);
    if (!module) {
      module = device.createShaderModule({ label: `QuantPipelines.module.${variant.moduleKey}`, code: variant.source() });
      modules.set(variant.moduleKey, module);
    }
    return module;
  }

  return {
    quantizeLayout,
    rowSigmaLayout,
    pipeline(key) {
      const variant = quantVariant(key);
      let pipeline = pipelines.get(variant.cacheKey);
      if (!pipeline) {
        pipeline = device.createComputePipelineAsync({
          label: variant.label,
          layout: key.kind === 'rowSigma' ? layouts.rowSigma : layouts.quantize,
          compute: { module: moduleFor(key), entryPoint: 'main', constants: variant.constants },
        });
        pipeline.catch(() => pipelines.delete(variant.cacheKey));
        pipelines.set(variant.cacheKey, pipeline);
      }
      return pipeline;
    },
  };
}
