// RowQuantizer on WebGPU for the low-bit i-quants (IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S,
// IQ1_M), byte-identical to ggml: sequential softfloat in ggml's order, one invocation per
// super-block (two where a pair keeps the output 4-byte aligned), and the lattice tables of the
// CPU reference (iq-tables.ts) in a storage buffer. Worker-agnostic: it only needs a GPUDevice.
import { GGML_TYPES, quantizerNeedsImatrix, rowBytes, type GgmlTypeName } from '../core/ggml-type.ts';
import type { RowQuantizer } from '../core/quant/row-quantizer.ts';
import { requireQuantizerImatrix } from '../core/quant/iq/quantizer-imatrix.ts';
import { createGpuBufferPool } from './gpu-buffer-pool.ts';
import { dispatchGrid } from './dispatch-grid.ts';
import { planRowChunks, type ChunkLimits } from './quant-chunks.ts';
import { QUANT_WORKGROUP_SIZE } from './quant-variants.ts';
import { iqSearchTable } from './iq-tables.ts';
import { IQ_KERNELS, iqKernelConstants, iqKernelSource, isGpuIqType, type GpuIqType } from './iq-variants.ts';

const OWNER = 'GpuIqQuantizer';

export interface GpuIqQuantizer extends RowQuantizer {
  dispose(): void;
}

export interface GpuIqQuantizerOptions {
  /** Cap on float32 elements per dispatch chunk (tests use it to exercise chunking). */
  maxChunkElements?: number;
}

export function createGpuIqQuantizer(device: GPUDevice, options: GpuIqQuantizerOptions = {}): GpuIqQuantizer {
  const { STORAGE, COPY_DST, COPY_SRC, MAP_READ, UNIFORM } = GPUBufferUsage;
  const entry = (binding: number, type: GPUBufferBindingType): GPUBindGroupLayoutEntry =>
    ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type } });
  // quant-bindings.wgsl's slots, without row_sigma2 (unused here), plus the lattice table.
  const bindLayout = device.createBindGroupLayout({
    label: `${OWNER}.bindGroupLayout`,
    entries: [
      entry(0, 'read-only-storage'), entry(1, 'read-only-storage'), entry(3, 'storage'),
      entry(4, 'uniform'), entry(5, 'read-only-storage'),
    ],
  });
  const layout = device.createPipelineLayout({ label: `${OWNER}.pipelineLayout`, bindGroupLayouts: [bindLayout] });
  const pool = createGpuBufferPool(device, OWNER);
  const modules = new Map<GpuIqType, GPUShaderModule>();
  const pipelines = new Map<string, Promise<GPUComputePipeline>>();
  const tables = new Map<string, GPUBuffer>();
  const limits: ChunkLimits = {
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
    maxBufferSize: device.limits.maxBufferSize,
    maxChunkElements: options.maxChunkElements,
  };
  let queue: Promise<unknown> = Promise.resolve();

  function pipelineFor(type: GpuIqType, weighted: boolean): Promise<GPUComputePipeline> {
    const key = `${type}${weighted ? '.imatrix' : ''}`;
    let pipeline = pipelines.get(key);
    if (!pipeline) {
      let module = modules.get(type);
      if (!module) {
        module = device.createShaderModule({ label: `${OWNER}.module.${type}`, code: iqKernelSource(type) });
        modules.set(type, module);
      }
      pipeline = device.createComputePipelineAsync({
        label: `${OWNER}.pipeline.${key}`,
        layout,
        compute: { module, entryPoint: 'main', constants: iqKernelConstants(type, weighted, QUANT_WORKGROUP_SIZE) },
      });
      pipeline.catch(() => pipelines.delete(key));
      pipelines.set(key, pipeline);
    }
    return pipeline;
  }

  function tableFor(type: GpuIqType): GPUBuffer {
    const { grid, maxLevel } = IQ_KERNELS[type];
    const key = `${grid}:${maxLevel}`;
    let buffer = tables.get(key);
    if (!buffer) {
      const words = iqSearchTable(grid, maxLevel);
      buffer = device.createBuffer({ label: `${OWNER}.table.${grid}`, size: words.byteLength, usage: STORAGE | COPY_DST });
      device.queue.writeBuffer(buffer, 0, words as Uint32Array<ArrayBuffer>);
      tables.set(key, buffer);
    }
    return buffer;
  }

  async function quantizeChunk(
    type: GpuIqType, weighted: boolean, src: Float32Array, cols: number, firstRow: number, rows: number,
  ): Promise<Uint8Array> {
    const { typeSize, blockSize } = GGML_TYPES[type];
    const perUnit = IQ_KERNELS[type].blocksPerUnit;
    const blocks = (rows * cols) / blockSize;
    const units = Math.ceil(blocks / perUnit);
    const outBytes = rows * rowBytes(type, cols);
    const paddedOut = units * perUnit * typeSize;
    const input = pool.get('input', rows * cols * 4, STORAGE | COPY_DST);
    const output = pool.get('output', paddedOut, STORAGE | COPY_SRC);
    const readback = pool.get('readback', paddedOut, MAP_READ | COPY_DST);
    const params = pool.get('params', 16, UNIFORM | COPY_DST);
    const importance = pool.get('importance', cols * 4, STORAGE | COPY_DST);
    device.queue.writeBuffer(input, 0, src as Float32Array<ArrayBuffer>, firstRow * cols, rows * cols);
    device.queue.writeBuffer(params, 0, new Uint32Array([cols, rows, blocks, units]));
    const encoder = device.createCommandEncoder({ label: `${OWNER}.encoder` });
    const pass = encoder.beginComputePass({ label: `${OWNER}.pass` });
    pass.setPipeline(await pipelineFor(type, weighted));
    pass.setBindGroup(0, device.createBindGroup({
      label: `${OWNER}.bindGroup`,
      layout: bindLayout,
      entries: [
        { binding: 0, resource: { buffer: input } },
        { binding: 1, resource: { buffer: importance } },
        { binding: 3, resource: { buffer: output } },
        { binding: 4, resource: { buffer: params } },
        { binding: 5, resource: { buffer: tableFor(type) } },
      ],
    }));
    pass.dispatchWorkgroups(...dispatchGrid(units, QUANT_WORKGROUP_SIZE));
    pass.end();
    encoder.copyBufferToBuffer(output, 0, readback, 0, paddedOut);
    device.queue.submit([encoder.finish()]);
    await readback.mapAsync(GPUMapMode.READ, 0, paddedOut);
    const bytes = new Uint8Array(readback.getMappedRange(0, paddedOut), 0, outBytes).slice();
    readback.unmap();
    return bytes;
  }

  async function quantizeAll(type: GgmlTypeName, src: Float32Array, cols: number, imatrix: Float32Array | null): Promise<Uint8Array> {
    if (!isGpuIqType(type)) throw new Error(`${OWNER}: type ${type} is not an i-quant this quantizer supports`);
    if (!Number.isInteger(cols) || cols <= 0) throw new Error(`${OWNER}: ${type}: invalid row length ${cols}`);
    if (src.length % cols !== 0) {
      throw new Error(`${OWNER}: ${type}: ${src.length} values are not a whole number of rows of ${cols}`);
    }
    if (imatrix && imatrix.length !== cols) {
      throw new Error(`${OWNER}: ${type}: imatrix has ${imatrix.length} values for rows of ${cols}`);
    }
    if (quantizerNeedsImatrix(type)) requireQuantizerImatrix(type, imatrix);
    const totalRows = src.length / cols;
    const out = new Uint8Array(totalRows * rowBytes(type, cols)); // also checks the block size
    if (totalRows === 0) return out;
    const weighted = imatrix !== null;
    if (weighted) device.queue.writeBuffer(pool.get('importance', cols * 4, STORAGE | COPY_DST), 0, imatrix as Float32Array<ArrayBuffer>);
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let offset = 0;
    let failure: unknown = null;
    try {
      for (const chunk of planRowChunks(totalRows, cols, limits)) {
        const bytes = await quantizeChunk(type, weighted, src, cols, chunk.firstRow, chunk.rows);
        out.set(bytes, offset);
        offset += bytes.length;
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
    name: 'gpu',
    supports: (type) => isGpuIqType(type),
    quantizeRows(type, src, cols, imatrix) {
      const run = queue.then(() => quantizeAll(type, src, cols, imatrix));
      queue = run.catch(() => undefined);
      return run;
    },
    dispose() {
      pool.destroy();
      for (const buffer of tables.values()) buffer.destroy();
      tables.clear();
    },
  };
}
