// RowQuantizer on WebGPU: byte-identical to ggml's reference quantizers because every float
// operation that decides a byte runs in the integer softfloat of shaders/common/softfloat.wgsl.
// Worker-agnostic: it only needs a GPUDevice (see device.ts).
import { createGpuIqQuantizer } from './iq-gpu-quantizer.ts';
import { isGpuIqType } from './iq-variants.ts';
import { GGML_TYPES, rowBytes, type GgmlTypeName } from '../core/ggml-type.ts';
import type { RowQuantizer } from '../core/quant/row-quantizer.ts';
import { createGpuBufferPool } from './gpu-buffer-pool.ts';
import { dispatchGrid } from './dispatch-grid.ts';
import { planRowChunks, type ChunkLimits } from './quant-chunks.ts';
import { createQuantPipelines } from './quant-pipelines.ts';
import {
  isGpuQuantType, QUANT_WORKGROUP_SIZE, quantizeVariantKey, typeKernel, type GpuQuantType,
} from './quant-variants.ts';

const OWNER = 'GpuRowQuantizer';

export interface GpuRowQuantizer extends RowQuantizer {
  /** Frees the buffers this quantizer holds (the device stays with its owner). */
  dispose(): void;
}

export interface GpuRowQuantizerOptions {
  /** Cap on float32 elements per dispatch chunk (tests use it to exercise chunking). */
  maxChunkElements?: number;
}

export function createGpuRowQuantizer(device: GPUDevice, options: GpuRowQuantizerOptions = {}): GpuRowQuantizer {
  // Read here, not at module load: in Node the WebGPU globals appear only once Dawn is set up.
  const { STORAGE, COPY_DST, COPY_SRC, MAP_READ, UNIFORM } = GPUBufferUsage;
  const pipelines = createQuantPipelines(device);
  const pool = createGpuBufferPool(device, OWNER);
  // The low-bit i-quants need lattice tables bound as well: their own module, same contract.
  const iq = createGpuIqQuantizer(device, options);
  const limits: ChunkLimits = {
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
    maxBufferSize: device.limits.maxBufferSize,
    maxChunkElements: options.maxChunkElements,
  };
  // Calls share buffers, so they run one after another.
  let queue: Promise<unknown> = Promise.resolve();

  async function quantizeChunk(
    type: GpuQuantType, weighted: boolean, src: Float32Array, cols: number, firstRow: number, rows: number,
  ): Promise<Uint8Array> {
    const kernel = typeKernel(type);
    const items = kernel.family === 'float16' ? rows * cols : (rows * cols) / GGML_TYPES[type].blockSize;
    const units = Math.ceil(items / kernel.itemsPerUnit);
    const outBytes = rows * rowBytes(type, cols);
    const paddedOut = units * 4 * Math.ceil((kernel.itemsPerUnit * GGML_TYPES[type].typeSize) / 4);

    const input = pool.get('input', rows * cols * 4, STORAGE | COPY_DST);
    const output = pool.get('output', paddedOut, STORAGE | COPY_SRC);
    const readback = pool.get('readback', paddedOut, MAP_READ | COPY_DST);
    const sigma = pool.get('rowSigma2', rows * 4, STORAGE);
    const params = pool.get('params', 16, UNIFORM | COPY_DST);
    const importance = pool.get('importance', cols * 4, STORAGE | COPY_DST);

    // The views may sit on any ArrayBufferLike; writeBuffer only reads them.
    device.queue.writeBuffer(input, 0, src as Float32Array<ArrayBuffer>, firstRow * cols, rows * cols);
    device.queue.writeBuffer(params, 0, new Uint32Array([cols, rows, items, units]));

    const encoder = device.createCommandEncoder({ label: `${OWNER}.encoder` });
    const pass = encoder.beginComputePass({ label: `${OWNER}.pass` });
    if (weighted && kernel.rowSigma) {
      pass.setPipeline(await pipelines.pipeline({ kind: 'rowSigma' }));
      pass.setBindGroup(0, device.createBindGroup({
        label: `${OWNER}.rowSigmaBindGroup`,
        layout: pipelines.rowSigmaLayout,
        entries: [
          { binding: 0, resource: { buffer: input } },
          { binding: 1, resource: { buffer: sigma } },
          { binding: 2, resource: { buffer: params } },
        ],
      }));
      pass.dispatchWorkgroups(...dispatchGrid(rows, QUANT_WORKGROUP_SIZE));
    }
    pass.setPipeline(await pipelines.pipeline(quantizeVariantKey(type, weighted)));
    pass.setBindGroup(0, device.createBindGroup({
      label: `${OWNER}.quantizeBindGroup`,
      layout: pipelines.quantizeLayout,
      entries: [
        { binding: 0, resource: { buffer: input } },
        { binding: 1, resource: { buffer: importance } },
        { binding: 2, resource: { buffer: sigma } },
        { binding: 3, resource: { buffer: output } },
        { binding: 4, resource: { buffer: params } },
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

  async function quantizeAll(
    type: GgmlTypeName, src: Float32Array, cols: number, imatrix: Float32Array | null,
  ): Promise<Uint8Array> {
    if (!isGpuQuantType(type)) throw new Error(`${OWNER}: type ${type} is not supported on the GPU`);
    if (!Number.isInteger(cols) || cols <= 0) throw new Error(`${OWNER}: ${type}: invalid row length ${cols}`);
    if (src.length % cols !== 0) {
      throw new Error(`${OWNER}: ${type}: ${src.length} values are not a whole number of rows of ${cols}`);
    }
    if (imatrix && imatrix.length !== cols) {
      throw new Error(`${OWNER}: ${type}: imatrix has ${imatrix.length} values for rows of ${cols}`);
    }
    const totalRows = src.length / cols;
    const out = new Uint8Array(totalRows * rowBytes(type, cols)); // also checks the block size
    if (totalRows === 0) return out;
    const weighted = imatrix !== null && typeKernel(type).usesImatrix;
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
    supports: (type) => isGpuQuantType(type) || isGpuIqType(type),
    quantizeRows(type, src, cols, imatrix) {
      if (isGpuIqType(type)) return iq.quantizeRows(type, src, cols, imatrix);
      const run = queue.then(() => quantizeAll(type, src, cols, imatrix));
      queue = run.catch(() => undefined);
      return run;
    },
    dispose() {
      pool.destroy();
      iq.dispose();
    },
  };
}
