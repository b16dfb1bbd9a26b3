// The forward's compute pipelines (one WGSL file per kernel family, one pipeline per variant key,
// created lazily and cached for the device's lifetime) and a recorder that encodes dispatches
// with their uniform parameters packed into one arena buffer per submission.
import type { FfnActivation } from '../../core/forward/forward-types.ts';
import { kernelPipeline } from '../pipeline-cache.ts';
import { composeWgsl } from '../wgsl-modules.ts';
import type { GpuForwardStats } from './forward-stats.ts';
import { weightFormatConstants, type GpuWeightFormat } from './weight-formats.ts';

const OWNER = 'GpuForward';

/** glu.wgsl's ACT for each activation. */
const GLU_ACT: Record<FfnActivation, number> = { silu: 0, gelu: 1, 'swiglu-oai': 2 };

/**
 * The matmul's arithmetic: 'f32'; 'f16' (f16 tiles and products, f32 sums: needs a device with
 * 'shader-f16'); 'f16-emulated' (the same roundings in f32 code, to measure them anywhere).
 */
export type MatmulMath = 'f32' | 'f16' | 'f16-emulated';

export type ForwardKernelKey =
  | { kind: 'matmul'; format: GpuWeightFormat; math: MatmulMath }
  | { kind: 'rmsNorm' }
  | { kind: 'rope' }
  | { kind: 'attention'; roundF16: boolean }
  | { kind: 'glu'; activation: FfnActivation }
  | { kind: 'imatrix' }
  | { kind: 'moeGather' }
  | { kind: 'moeScatter' }
  | { kind: 'moeSum' }
  | { kind: 'shortConv' }
  | { kind: 'mamba2Conv' }
  | { kind: 'mamba2Scan' }
  | { kind: 'logSoftmaxKl' };

const MODULES: Record<ForwardKernelKey['kind'], string> = {
  matmul: 'forward/matmul.wgsl', // matmul-f16.wgsl for math 'f16' (modulePath)
  rmsNorm: 'forward/rms-norm.wgsl',
  rope: 'forward/rope.wgsl',
  attention: 'forward/attention.wgsl',
  glu: 'forward/glu.wgsl',
  imatrix: 'forward/imatrix.wgsl',
  moeGather: 'forward/moe-gather.wgsl',
  moeScatter: 'forward/moe-scatter.wgsl',
  moeSum: 'forward/moe-sum.wgsl',
  shortConv: 'forward/short-conv.wgsl',
  mamba2Conv: 'forward/mamba2-conv.wgsl',
  mamba2Scan: 'forward/mamba2-scan.wgsl',
  logSoftmaxKl: 'forward/log-softmax-kl.wgsl',
};

function modulePath(key: ForwardKernelKey): string {
  return key.kind === 'matmul' && key.math === 'f16' ? 'forward/matmul-f16.wgsl' : MODULES[key.kind];
}

function variantOf(key: ForwardKernelKey): { cacheKey: string; constants: Record<string, number> } {
  switch (key.kind) {
    case 'matmul': {
      const constants = weightFormatConstants(key.format);
      if (key.math === 'f16-emulated') constants.ROUND_F16 = 1;
      return { cacheKey: `matmul.${key.format}.${key.math}`, constants };
    }
    case 'attention': return { cacheKey: `attention.${key.roundF16 ? 'f16kv' : 'f32kv'}`, constants: { ROUND_F16: key.roundF16 ? 1 : 0 } };
    case 'glu': return { cacheKey: `glu.${key.activation}`, constants: { ACT: GLU_ACT[key.activation] } };
    default: return { cacheKey: key.kind, constants: {} };
  }
}

export interface ForwardPipelines {
  pipeline(key: ForwardKernelKey): Promise<GPUComputePipeline>;
}

export function createForwardPipelines(device: GPUDevice): ForwardPipelines {
  return {
    pipeline(key) {
      const { cacheKey, constants } = variantOf(key);
      const path = modulePath(key);
      // The device's one pipeline cache (pipeline-cache.ts); 'auto' layouts, as each kernel binds its own set.
      return kernelPipeline(device, { label: `${OWNER}.pipeline.${cacheKey}`, moduleKey: path, source: () => composeWgsl(path), constants, layout: 'auto' });
    },
  };
}

/** A uniform value: integers as u32, `{ f32: x }` as float. */
export type ParamValue = number | { f32: number };

/** Minimum uniform-buffer offset alignment WebGPU guarantees. */
const PARAM_SLOT = 256;
/** Dispatches per submission (1 MiB of parameters); the recorder submits when they run out. */
const PARAM_SLOTS = 4096;

/**
 * Collects dispatches into one command encoder. Parameters of every dispatch go into one uniform
 * buffer written just before submit; queue order makes reusing it for the next submission safe.
 */
export class DispatchRecorder {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly params = new ArrayBuffer(PARAM_SLOT * PARAM_SLOTS);
  private paramCount = 0;
  private paramBuffer: GPUBuffer | null = null;
  private pending: { pipeline: GPUComputePipeline; buffers: GPUBuffer[]; slot: number; grid: [number, number] }[] = [];

  /**
   * `matmulMath`: the arithmetic of this run's matmuls (forward-ops.ts reads it); `stats`: where
   * dispatches, submissions and parameter bytes are counted.
   */
  constructor(
    private readonly device: GPUDevice, private readonly pipelines: ForwardPipelines,
    readonly matmulMath: MatmulMath = 'f32', readonly stats?: GpuForwardStats,
  ) {}

  /** Queues one dispatch: storage buffers bound 0..n-1 in order, the parameters at binding n. */
  async dispatch(key: ForwardKernelKey, buffers: GPUBuffer[], params: readonly ParamValue[], grid: [number, number]): Promise<void> {
    const pipeline = await this.pipelines.pipeline(key);
    if (this.paramCount === PARAM_SLOTS) this.submit();
    const slot = this.paramCount++;
    const u32 = new Uint32Array(this.params, slot * PARAM_SLOT, params.length);
    const f32 = new Float32Array(this.params, slot * PARAM_SLOT, params.length);
    params.forEach((v, i) => {
      if (typeof v === 'number') u32[i] = v;
      else f32[i] = v.f32;
    });
    this.pending.push({ pipeline, buffers, slot, grid });
    if (this.stats) this.stats.dispatches++;
  }

  /** Encodes a buffer copy after the dispatches queued so far. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, size: number): void {
    this.encode();
    this.pass?.end();
    this.pass = null;
    this.encoder!.copyBufferToBuffer(src, srcOffset, dst, dstOffset, size);
  }

  private encode(): void {
    this.encoder ??= this.device.createCommandEncoder({ label: `${OWNER}.encoder` });
    if (this.pending.length === 0) return;
    this.paramBuffer ??= this.device.createBuffer({ label: `${OWNER}.params`, size: this.params.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.pass ??= this.encoder.beginComputePass({ label: `${OWNER}.pass` });
    for (const d of this.pending) {
      this.pass.setPipeline(d.pipeline);
      const entries: GPUBindGroupEntry[] = d.buffers.map((buffer, binding) => ({ binding, resource: { buffer } }));
      entries.push({ binding: d.buffers.length, resource: { buffer: this.paramBuffer!, offset: d.slot * PARAM_SLOT, size: PARAM_SLOT } });
      this.pass.setBindGroup(0, this.device.createBindGroup({ label: `${OWNER}.bindGroup`, layout: d.pipeline.getBindGroupLayout(0), entries }));
      this.pass.dispatchWorkgroups(d.grid[0], d.grid[1]);
    }
    this.pending = [];
  }

  /** Submits everything recorded; the next dispatch starts a new encoder and parameter arena. */
  submit(): void {
    this.encode();
    this.pass?.end();
    this.pass = null;
    if (this.paramBuffer && this.paramCount > 0) {
      this.device.queue.writeBuffer(this.paramBuffer, 0, this.params, 0, this.paramCount * PARAM_SLOT);
      if (this.stats) this.stats.paramBytesUploaded += this.paramCount * PARAM_SLOT;
    }
    if (this.encoder) {
      this.device.queue.submit([this.encoder.finish()]);
      if (this.stats) this.stats.submissions++;
    }
    this.encoder = null;
    this.paramCount = 0;
  }

  /**
   * Drops what was recorded and not submitted (a block that failed halfway): it may read buffers
   * the caller is about to destroy, which a later submit would refuse, hiding the first error.
   */
  discard(): void {
    this.pending = [];
    this.pass?.end();
    this.pass = null;
    this.encoder = null;
    this.paramCount = 0;
  }

  destroy(): void {
    this.paramBuffer?.destroy();
    this.paramBuffer = null;
  }
}
