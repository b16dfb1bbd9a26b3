// The one way the quantization and dequantization kernels run: named pool buffers, one compute
// pass of dispatches, a copy to a mappable buffer and the readback, all inside the device's queue
// (device-queue.ts) so calls on one device never interleave their error scopes or buffers.
import { createGpuBufferPool } from './gpu-buffer-pool.ts';
import { runOnDevice, type DeviceTurn } from './device-queue.ts';
import { dispatchGrid } from './dispatch-grid.ts';
import { planRowChunks, type ChunkLimits, type RowChunk } from './quant-chunks.ts';
import { kernelPipeline, type KernelPipelineSpec } from './pipeline-cache.ts';

/**
 * Invocations per workgroup of every quantization and dequantization kernel: the runner compiles
 * each pipeline with it (WG_SIZE) and sizes each dispatch grid by it, so the two cannot disagree.
 */
const KERNEL_WORKGROUP_SIZE = 64;

export interface KernelDispatch {
  readonly pipeline: Promise<GPUComputePipeline>;
  /** Buffers of group 0 by binding index. */
  readonly bindings: Readonly<Record<number, GPUBuffer>>;
  /** Invocations with work (the grid is dispatchGrid of these). */
  readonly units: number;
}

export interface KernelRunner {
  readonly device: GPUDevice;
  /** The pipeline of `spec` (cached per device), compiled with the runner's workgroup size. */
  pipeline(spec: KernelPipelineSpec): Promise<GPUComputePipeline>;
  /** The pool buffer `name` of at least `size` bytes, for this runner only. */
  buffer(name: string, size: number, usage: GPUBufferUsageFlags): GPUBuffer;
  /** Writes `data` into the pool buffer `name` (padded to 4 bytes: writeBuffer's rule). */
  upload(name: string, data: Uint8Array | Float32Array | Uint32Array): GPUBuffer;
  /** A params uniform of four u32 words. */
  params(words: readonly [number, number, number, number]): GPUBuffer;
  /** Runs the dispatches in order in one pass and returns the first `bytes` of `output`. */
  dispatchAndRead(dispatches: readonly KernelDispatch[], output: GPUBuffer, bytes: number): Promise<ArrayBuffer>;
  /** Runs the dispatches in order in one pass and submits them, reading nothing back. */
  dispatch(dispatches: readonly KernelDispatch[]): Promise<void>;
  /** Row chunks for rows of `cols` float32 values (input or output, whichever is float32). */
  chunks(totalRows: number, cols: number): RowChunk[];
  /** `task` alone on the device inside error scopes (see runOnDevice). */
  exclusive<T>(what: string, task: () => Promise<T>, turn?: DeviceTurn): Promise<T>;
  dispose(): void;
}

export interface KernelRunnerOptions {
  /** Cap on float32 elements per dispatch chunk (tests use it to exercise chunking). */
  maxChunkElements?: number;
}

export function createKernelRunner(device: GPUDevice, owner: string, options: KernelRunnerOptions = {}): KernelRunner {
  const pool = createGpuBufferPool(device, owner);
  const limits: ChunkLimits = {
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
    maxBufferSize: device.limits.maxBufferSize,
    maxChunkElements: options.maxChunkElements,
  };
  const buffer = (name: string, size: number, usage: GPUBufferUsageFlags) => pool.get(name, size, usage);
  async function encodePass(dispatches: readonly KernelDispatch[]): Promise<GPUCommandEncoder> {
    const pipelines = await Promise.all(dispatches.map((d) => d.pipeline));
    const encoder = device.createCommandEncoder({ label: `${owner}.encoder` });
    const pass = encoder.beginComputePass({ label: `${owner}.pass` });
    dispatches.forEach((dispatch, i) => {
      const pipeline = pipelines[i]!;
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, device.createBindGroup({
        label: `${owner}.bindGroup`,
        // An explicit pipeline layout hands back its own group layout here.
        layout: pipeline.getBindGroupLayout(0),
        entries: Object.entries(dispatch.bindings).map(([binding, b]) => ({ binding: Number(binding), resource: { buffer: b } })),
      }));
      pass.dispatchWorkgroups(...dispatchGrid(dispatch.units, KERNEL_WORKGROUP_SIZE));
    });
    pass.end();
    return encoder;
  }

  return {
    device,
    buffer,
    upload(name, data) {
      // Read here, not at module load: in Node the WebGPU globals appear only once Dawn is set up.
      const target = buffer(name, data.byteLength, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
      let bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (bytes.length % 4 !== 0) {
        const padded = new Uint8Array(Math.ceil(bytes.length / 4) * 4); // the kernels never read the padding
        padded.set(bytes);
        bytes = padded;
      }
      // The views may sit on any ArrayBufferLike; writeBuffer only reads them.
      device.queue.writeBuffer(target, 0, bytes as Uint8Array<ArrayBuffer>);
      return target;
    },
    pipeline: (spec) => kernelPipeline(device, { ...spec, constants: { ...spec.constants, WG_SIZE: KERNEL_WORKGROUP_SIZE } }),
    params(words) {
      const target = buffer('params', 16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
      device.queue.writeBuffer(target, 0, new Uint32Array(words));
      return target;
    },
    async dispatch(dispatches) {
      const encoder = await encodePass(dispatches);
      device.queue.submit([encoder.finish()]);
    },
    async dispatchAndRead(dispatches, output, bytes) {
      const readback = buffer('readback', bytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
      const encoder = await encodePass(dispatches);
      const copied = Math.ceil(bytes / 4) * 4;
      encoder.copyBufferToBuffer(output, 0, readback, 0, copied);
      device.queue.submit([encoder.finish()]);
      await readback.mapAsync(GPUMapMode.READ, 0, copied);
      const result = readback.getMappedRange(0, copied).slice(0, bytes);
      readback.unmap();
      return result;
    },
    chunks: (totalRows, cols) => planRowChunks(totalRows, cols, limits),
    exclusive: (what, task, turn) => runOnDevice(device, what, () => task(), turn),
    dispose: () => pool.destroy(),
  };
}
