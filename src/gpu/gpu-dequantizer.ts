// ggml's dequantize_row_* on WebGPU for every type the GPU quantizes, bit for bit (the shader
// computes in softfloat: no flushed subnormals, no fused multiply-add). Worker-agnostic.
import { GGML_TYPES, rowBytes, type GgmlTypeName } from '../core/ggml-type.ts';
import { composeWgsl } from './wgsl-compose.ts';
import dequantSource from '../../shaders/quant/dequant.wgsl?raw';
import { createGpuBufferPool } from './gpu-buffer-pool.ts';
import { dispatchGrid } from './dispatch-grid.ts';
import { planRowChunks, type ChunkLimits } from './quant-chunks.ts';
import { isGpuQuantType, QUANT_WORKGROUP_SIZE, type GpuQuantType } from './quant-variants.ts';
import { dequantShape } from './dequant-variants.ts';
import { createGpuIqDequantizer } from './iq-gpu-dequantizer.ts';
import { isGpuIqType } from './iq-variants.ts';

const OWNER = 'GpuRowDequantizer';

export interface GpuRowDequantizer {
  supports(type: GgmlTypeName): boolean;
  /** Decodes whole rows of `cols` elements of `type` (rows back to back) into float32. */
  dequantizeRows(type: GgmlTypeName, bytes: Uint8Array, cols: number): Promise<Float32Array>;
  dispose(): void;
}

export interface GpuRowDequantizerOptions {
  /** Cap on float32 elements per dispatch chunk (tests use it to exercise chunking). */
  maxChunkElements?: number;
}

export function createGpuRowDequantizer(device: GPUDevice, options: GpuRowDequantizerOptions = {}): GpuRowDequantizer {
  const { STORAGE, COPY_DST, COPY_SRC, MAP_READ, UNIFORM } = GPUBufferUsage;
  const pool = createGpuBufferPool(device, OWNER);
  const iq = createGpuIqDequantizer(device, options);
  const entry = (binding: number, type: GPUBufferBindingType): GPUBindGroupLayoutEntry =>
    ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type } });
  const bindLayout = device.createBindGroupLayout({
    label: `${OWNER}.bindGroupLayout`,
    entries: [entry(0, 'read-only-storage'), entry(1, 'storage'), entry(2, 'uniform')],
  });
  const layout = device.createPipelineLayout({ label: `${OWNER}.pipelineLayout`, bindGroupLayouts: [bindLayout] });
  let module: GPUShaderModule | null = null;
  const pipelines = new Map<GpuQuantType, Promise<GPUComputePipeline>>();
  const limits: ChunkLimits = {
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
    maxBufferSize: device.limits.maxBufferSize,
    maxChunkElements: options.maxChunkElements,
  };
  let queue: Promise<unknown> = Promise.resolve();

  function pipelineFor(type: GpuQuantType): Promise<GPUComputePipeline> {
    let pipeline = pipelines.get(type);
    if (!pipeline) {
      module ??= device.createShaderModule({ label: `${OWNER}.module`, code: composeWgsl(['softfloat'], dequantSource) });
      pipeline = device.createComputePipelineAsync({
        label: `${OWNER}.pipeline.${type}`,
        layout,
        compute: { module, entryPoint: 'main', constants: { WG_SIZE: QUANT_WORKGROUP_SIZE, ...dequantShape(type).constants } },
      });
      pipeline.catch(() => pipelines.delete(type));
      pipelines.set(type, pipeline);
    }
    return pipeline;
  }

  async function dequantizeChunk(type: GpuQuantType, bytes: Uint8Array, elements: number): Promise<Float32Array> {
    const shape = dequantShape(type);
    const blocks = elements / shape.blockElems;
    const input = pool.get('input', bytes.length, STORAGE | COPY_DST);
    const output = pool.get('output', elements * 4, STORAGE | COPY_SRC);
    const readback = pool.get('readback', elements * 4, MAP_READ | COPY_DST);
    const params = pool.get('params', 16, UNIFORM | COPY_DST);
    // writeBuffer needs a multiple of 4 bytes; the shader never reads the padding.
    const padded = new Uint8Array(Math.ceil(bytes.length / 4) * 4);
    padded.set(bytes);
    device.queue.writeBuffer(input, 0, padded);
    device.queue.writeBuffer(params, 0, new Uint32Array([blocks, 0, 0, 0]));
    const encoder = device.createCommandEncoder({ label: `${OWNER}.encoder` });
    const pass = encoder.beginComputePass({ label: `${OWNER}.pass` });
    pass.setPipeline(await pipelineFor(type));
    pass.setBindGroup(0, device.createBindGroup({
      label: `${OWNER}.bindGroup`,
      layout: bindLayout,
      entries: [
        { binding: 0, resource: { buffer: input } },
        { binding: 1, resource: { buffer: output } },
        { binding: 2, resource: { buffer: params } },
      ],
    }));
    pass.dispatchWorkgroups(...dispatchGrid(blocks, QUANT_WORKGROUP_SIZE));
    pass.end();
    encoder.copyBufferToBuffer(output, 0, readback, 0, elements * 4);
    device.queue.submit([encoder.finish()]);
    await readback.mapAsync(GPUMapMode.READ, 0, elements * 4);
    const out = new Float32Array(readback.getMappedRange(0, elements * 4).slice(0));
    readback.unmap();
    return out;
  }

  async function dequantizeAll(type: GgmlTypeName, bytes: Uint8Array, cols: number): Promise<Float32Array> {
    if (!isGpuQuantType(type)) throw new Error(`${OWNER}: type ${type} is not supported on the GPU`);
    if (!Number.isInteger(cols) || cols <= 0 || cols % GGML_TYPES[type].blockSize !== 0) {
      throw new Error(`${OWNER}: ${type}: invalid row length ${cols}`);
    }
    const perRow = rowBytes(type, cols);
    if (bytes.length % perRow !== 0) {
      throw new Error(`${OWNER}: ${type}: ${bytes.length} bytes are not whole rows of ${cols} columns (${perRow} bytes each)`);
    }
    const totalRows = bytes.length / perRow;
    const out = new Float32Array(totalRows * cols);
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let failure: unknown = null;
    try {
      for (const chunk of planRowChunks(totalRows, cols, limits)) {
        const part = bytes.subarray(chunk.firstRow * perRow, (chunk.firstRow + chunk.rows) * perRow);
        out.set(await dequantizeChunk(type, part, chunk.rows * cols), chunk.firstRow * cols);
      }
    } catch (error) {
      failure = error;
    }
    const validation = await device.popErrorScope();
    const oom = await device.popErrorScope();
    const gpuError = validation ?? oom;
    if (gpuError) throw new Error(`${OWNER}: ${type}: WebGPU error: ${gpuError.message}`);
    if (failure) throw failure;
    return out;
  }

  return {
    supports: (type) => isGpuQuantType(type) || isGpuIqType(type),
    dequantizeRows(type, bytes, cols) {
      if (isGpuIqType(type)) return iq.dequantizeRows(type, bytes, cols);
      const run = queue.then(() => dequantizeAll(type, bytes, cols));
      queue = run.catch(() => undefined);
      return run;
    },
    dispose() {
      pool.destroy();
      iq.dispose();
    },
  };
}
