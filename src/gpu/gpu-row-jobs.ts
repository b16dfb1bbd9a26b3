// The row loop every GPU quantizer and dequantizer shares: argument checks, row chunks that fit
// the device's limits, and per chunk the input upload, the kernel's dispatches and the readback.
// A kernel module only says what differs: how many blocks one invocation handles and which
// pipelines and buffers its dispatches bind.
import { GGML_TYPES, rowBytes, type GgmlTypeName } from '../core/ggml-type.ts';
import type { DeviceTurn } from './device-queue.ts';
import type { KernelDispatch, KernelRunner } from './kernel-runner.ts';

/** The buffers of one quantization chunk (quant-bindings.wgsl's slots). */
export interface QuantizeChunkBuffers {
  readonly input: GPUBuffer;
  readonly importance: GPUBuffer;
  readonly rowSigma2: GPUBuffer;
  readonly output: GPUBuffer;
  readonly params: GPUBuffer;
  readonly rows: number;
  /** Invocations that write output (groups of itemsPerUnit blocks). */
  readonly units: number;
}

export interface QuantizeKernelPlan {
  /** Blocks (elements for F16/BF16) one invocation writes: a multiple of 4 bytes in all. */
  readonly itemsPerUnit: number;
  /** Whether the kernel reads the imatrix (then it is uploaded once per call). */
  readonly weighted: boolean;
  dispatches(buffers: QuantizeChunkBuffers): KernelDispatch[];
}

export async function quantizeRowsOnGpu(
  runner: KernelRunner, what: string, type: GgmlTypeName,
  src: Float32Array, cols: number, imatrix: Float32Array | null, plan: QuantizeKernelPlan,
): Promise<Uint8Array> {
  if (!Number.isInteger(cols) || cols <= 0) throw new Error(`${what}: invalid row length ${cols}`);
  if (src.length % cols !== 0) throw new Error(`${what}: ${src.length} values are not a whole number of rows of ${cols}`);
  if (imatrix && imatrix.length !== cols) throw new Error(`${what}: imatrix has ${imatrix.length} values for rows of ${cols}`);
  const totalRows = src.length / cols;
  const out = new Uint8Array(totalRows * rowBytes(type, cols)); // also checks the block size
  if (totalRows === 0) return out;
  const { STORAGE, COPY_DST, COPY_SRC } = GPUBufferUsage;
  const { blockSize, typeSize } = GGML_TYPES[type];
  const unitBytes = 4 * Math.ceil((plan.itemsPerUnit * typeSize) / 4);
  return runner.exclusive(what, async () => {
    const importance = plan.weighted && imatrix
      ? runner.upload('importance', imatrix)
      : runner.buffer('importance', cols * 4, STORAGE | COPY_DST);
    let offset = 0;
    for (const { firstRow, rows } of runner.chunks(totalRows, cols)) {
      const items = (rows * cols) / blockSize;
      const units = Math.ceil(items / plan.itemsPerUnit);
      const output = runner.buffer('output', units * unitBytes, STORAGE | COPY_SRC);
      const dispatches = plan.dispatches({
        input: runner.upload('input', src.subarray(firstRow * cols, (firstRow + rows) * cols)),
        importance,
        rowSigma2: runner.buffer('rowSigma2', rows * 4, STORAGE),
        output,
        params: runner.params([cols, rows, items, units]),
        rows,
        units,
      });
      const bytes = new Uint8Array(await runner.dispatchAndRead(dispatches, output, rows * rowBytes(type, cols)));
      out.set(bytes, offset);
      offset += bytes.length;
    }
    return out;
  });
}

/** The buffers of one dequantization chunk (dequant-bindings.wgsl's slots). */
export interface DequantizeChunkBuffers {
  readonly input: GPUBuffer;
  readonly output: GPUBuffer;
  readonly params: GPUBuffer;
  /** Invocations: blocks, or elements for F16/BF16. */
  readonly blocks: number;
}

export interface DequantizeKernelPlan {
  /** Elements one invocation writes. */
  readonly blockElements: number;
  dispatch(buffers: DequantizeChunkBuffers): KernelDispatch;
}

export async function dequantizeRowsOnGpu(
  runner: KernelRunner, what: string, type: GgmlTypeName, bytes: Uint8Array, cols: number,
  plan: DequantizeKernelPlan, turn?: DeviceTurn,
): Promise<Float32Array> {
  if (!Number.isInteger(cols) || cols <= 0 || cols % GGML_TYPES[type].blockSize !== 0) {
    throw new Error(`${what}: invalid row length ${cols}`);
  }
  const perRow = rowBytes(type, cols);
  if (bytes.length % perRow !== 0) {
    throw new Error(`${what}: ${bytes.length} bytes are not whole rows of ${cols} columns (${perRow} bytes each)`);
  }
  const totalRows = bytes.length / perRow;
  const out = new Float32Array(totalRows * cols);
  const { STORAGE, COPY_SRC } = GPUBufferUsage;
  return runner.exclusive(what, async () => {
    for (const { firstRow, rows } of runner.chunks(totalRows, cols)) {
      const elements = rows * cols;
      const blocks = elements / plan.blockElements;
      const output = runner.buffer('output', elements * 4, STORAGE | COPY_SRC);
      const dispatch = plan.dispatch({
        input: runner.upload('input', bytes.subarray(firstRow * perRow, (firstRow + rows) * perRow)),
        output,
        params: runner.params([blocks, 0, 0, 0]),
        blocks,
      });
      out.set(new Float32Array(await runner.dispatchAndRead([dispatch], output, elements * 4)), firstRow * cols);
    }
    return out;
  }, turn);
}

/**
 * dequantizeRowsOnGpu for bytes already in a GPU buffer, decoded into `output` with no readback
 * (the GPU forward's weights). The caller sizes both buffers; one dispatch covers all rows.
 */
export async function dequantizeRowsOnDevice(
  runner: KernelRunner, what: string, type: GgmlTypeName, input: GPUBuffer, rows: number, cols: number, output: GPUBuffer,
  plan: DequantizeKernelPlan, turn?: DeviceTurn,
): Promise<void> {
  if (!Number.isInteger(cols) || cols <= 0 || cols % GGML_TYPES[type].blockSize !== 0) throw new Error(`${what}: invalid row length ${cols}`);
  if (input.size < rows * rowBytes(type, cols) || output.size < rows * cols * 4) throw new Error(`${what}: buffers too small for ${rows} rows of ${cols}`);
  const blocks = (rows * cols) / plan.blockElements;
  await runner.exclusive(what, () => runner.dispatch([plan.dispatch({ input, output, params: runner.params([blocks, 0, 0, 0]), blocks })]), turn);
}
