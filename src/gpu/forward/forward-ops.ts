// Typed wrappers that queue one forward kernel each on a DispatchRecorder: buffers in binding
// order, parameters in the order of the WGSL Params struct (offsets and sizes in f32 elements).
import type { FfnActivation } from '../../core/forward/forward-types.ts';
import { dispatchGrid } from '../dispatch-grid.ts';
import type { DispatchRecorder } from './forward-kernels.ts';
import type { GpuWeight } from './gpu-weights.ts';

const TILE = 16;
const WG = 64;

export interface MatmulArgs {
  x: GPUBuffer; xOffset: number; rows: number;
  weight: GpuWeight; bias?: GpuWeight;
  y: GPUBuffer; yOffset: number; outStride: number;
  accumulate: boolean; softcap: number | null;
  /** Each output times this before it is stored or accumulated (Granite's residual and logit scales); default 1. */
  scale?: number;
  /** Any buffer, bound where there is no bias (WebGPU needs every binding bound). */
  placeholder: GPUBuffer;
}

/** y[r, o] (+)= x[r] · w[o] + bias[o] over every row chunk of the weight, read in its stored format. */
export async function matmulRows(rec: DispatchRecorder, a: MatmulArgs): Promise<void> {
  const cols = a.weight.cols;
  if (a.bias && a.bias.format !== 'F32') throw new Error(`GpuForward: bias "${a.bias.name}" is ${a.bias.format}, the kernel reads f32`);
  if (a.rows > TILE * 65535) throw new Error(`GpuForward: ${a.rows} rows exceed one matmul dispatch (${a.weight.name})`);
  for (const chunk of a.weight.chunks) {
    if (Math.ceil(chunk.rows / TILE) > 65535) throw new Error(`GpuForward: weight "${a.weight.name}" chunk of ${chunk.rows} rows exceeds one dispatch`);
    if (rec.stats) rec.stats.matmulWeightBytesRead += chunk.bytes;
    await rec.dispatch(
      { kind: 'matmul', format: a.weight.format, math: rec.matmulMath },
      [a.x, chunk.buffer, a.bias?.chunks[0]!.buffer ?? a.placeholder, a.y],
      [a.rows, cols, chunk.rows, a.outStride, chunk.firstRow, a.xOffset, a.yOffset, a.bias ? 1 : 0, a.accumulate ? 1 : 0, { f32: a.softcap ?? 0 }, { f32: a.scale ?? 1 }],
      [Math.ceil(chunk.rows / TILE), Math.ceil(a.rows / TILE)],
    );
  }
}

export interface RmsNormArgs {
  src: GPUBuffer; srcOffset: number; rows: number; cols: number;
  weight: GpuWeight; dst: GPUBuffer; dstOffset: number; eps: number; accumulate: boolean;
}

export function rmsNormRows(rec: DispatchRecorder, a: RmsNormArgs): Promise<void> {
  if (a.weight.format !== 'F32') throw new Error(`GpuForward: norm "${a.weight.name}" is ${a.weight.format}, the kernel reads f32`);
  if (a.weight.rows * a.weight.cols !== a.cols) throw new Error(`GpuForward: norm "${a.weight.name}" has ${a.weight.rows * a.weight.cols} values for rows of ${a.cols}`);
  return rec.dispatch(
    { kind: 'rmsNorm' },
    [a.src, a.weight.chunks[0]!.buffer, a.dst],
    [a.rows, a.cols, a.srcOffset, a.dstOffset, { f32: a.eps }, a.accumulate ? 1 : 0],
    dispatchGrid(a.rows, 1),
  );
}

export interface RopeArgs {
  x: GPUBuffer; rows: number; heads: number; headDim: number; pairs: number; neox: boolean;
  positions: GPUBuffer; cos: GPUBuffer; sin: GPUBuffer;
}

export function ropeRows(rec: DispatchRecorder, a: RopeArgs): Promise<void> {
  return rec.dispatch(
    { kind: 'rope' },
    [a.x, a.positions, a.cos, a.sin],
    [a.rows, a.heads, a.headDim, a.pairs, a.neox ? 1 : 0],
    dispatchGrid(a.rows * a.heads * a.pairs, WG),
  );
}

export interface AttentionArgs {
  q: GPUBuffer; k: GPUBuffer; v: GPUBuffer; seqStart: GPUBuffer; positions: GPUBuffer; out: GPUBuffer;
  rows: number; heads: number; headsKv: number; headDimK: number; headDimV: number;
  window: number | null; scale: number; softcap: number | null; roundF16: boolean;
  /** One F32 logit per head joining each softmax (gpt-oss's attn_sinks), or undefined. */
  sinks?: GpuWeight;
  /** Any buffer, bound where there are no sinks. */
  placeholder: GPUBuffer;
}

export function attentionRows(rec: DispatchRecorder, a: AttentionArgs): Promise<void> {
  if (a.headDimV > 512) throw new Error(`GpuForward: value head size ${a.headDimV} exceeds the attention kernel's 512`);
  if (a.sinks && (a.sinks.format !== 'F32' || a.sinks.rows * a.sinks.cols !== a.heads)) {
    throw new Error(`GpuForward: attention sinks "${a.sinks.name}" must be ${a.heads} F32 values (got ${a.sinks.rows * a.sinks.cols} ${a.sinks.format})`);
  }
  return rec.dispatch(
    { kind: 'attention', roundF16: a.roundF16 },
    [a.q, a.k, a.v, a.seqStart, a.positions, a.out, a.sinks?.chunks[0]!.buffer ?? a.placeholder],
    [a.rows, a.heads, a.headsKv, a.headDimK, a.headDimV, a.window ?? 0, { f32: a.scale }, { f32: a.softcap ?? 0 }, a.sinks ? 1 : 0],
    dispatchGrid(a.rows * a.heads, WG),
  );
}

export function gatedActivation(rec: DispatchRecorder, gate: GPUBuffer, up: GPUBuffer, count: number, activation: FfnActivation): Promise<void> {
  return rec.dispatch({ kind: 'glu', activation }, [gate, up], [count], dispatchGrid(count, WG));
}

/** sums[sumOffset + j] += Σ_r x[r, j]² (x starts at element 0 of its buffer). */
export function accumulateSquares(rec: DispatchRecorder, x: GPUBuffer, rows: number, cols: number, sums: GPUBuffer, sumOffset: number): Promise<void> {
  return rec.dispatch({ kind: 'imatrix' }, [x, sums], [rows, cols, sumOffset], [Math.ceil(cols / WG), 1]);
}

/** A MoE expert's input rows: dst[i] = src row (picks[pickOffset + i] / used), for `rows` picks. */
export function moeGatherRows(rec: DispatchRecorder, src: GPUBuffer, picks: GPUBuffer, pickOffset: number, rows: number, cols: number, used: number, dst: GPUBuffer): Promise<void> {
  return rec.dispatch({ kind: 'moeGather' }, [src, picks, dst], [rows, cols, pickOffset, used], dispatchGrid(rows * cols, WG));
}

/** slots[pick] = src[i] * weights[pick] for the `rows` picks from pickOffset (one expert's outputs). */
export function moeScatterRows(rec: DispatchRecorder, src: GPUBuffer, picks: GPUBuffer, weights: GPUBuffer, pickOffset: number, rows: number, cols: number, slots: GPUBuffer): Promise<void> {
  return rec.dispatch({ kind: 'moeScatter' }, [src, picks, weights, slots], [rows, cols, pickOffset], dispatchGrid(rows * cols, WG));
}

/** hidden[dstOffset + r] += scale · Σ_k slots[r * used + k], the slots summed in order. */
export function moeSumSlots(rec: DispatchRecorder, slots: GPUBuffer, rows: number, cols: number, used: number, hidden: GPUBuffer, dstOffset: number, scale: number): Promise<void> {
  return rec.dispatch({ kind: 'moeSum' }, [slots, hidden], [rows, cols, used, dstOffset, { f32: scale }], dispatchGrid(rows * cols, WG));
}

export interface Mamba2Args {
  /** in_proj's output (z, xBC, dt per row), the convolution's output (x, B, C per row), the gated output. */
  zxbcdt: GPUBuffer; xbc: GPUBuffer; y: GPUBuffer;
  conv: GpuWeight; convBias?: GpuWeight; dtBias: GpuWeight; a: GpuWeight; d: GpuWeight;
  positions: GPUBuffer; placeholder: GPUBuffer;
  rows: number; inner: number; heads: number; groups: number; stateSize: number;
}

/** Granite 4.0-h's Mamba-2 mixer between in_proj and the grouped norm: the convolution (silu'd), then the scan, skip and gate. */
export async function mamba2Rows(rec: DispatchRecorder, a: Mamba2Args): Promise<void> {
  const channels = a.inner + 2 * a.groups * a.stateSize;
  const rowStride = channels + a.inner + a.heads;
  for (const [name, w, n] of [['conv', a.conv, channels], ['dt bias', a.dtBias, a.heads], ['A', a.a, a.heads], ['D', a.d, a.heads]] as const) {
    if (w.format !== 'F32' || w.chunks.length !== 1 || w.rows * w.cols !== (name === 'conv' ? n * w.cols : n)) {
      throw new Error(`GpuForward: Mamba-2 ${name} "${w.name}" must be one F32 chunk of ${n} ${name === 'conv' ? 'rows' : 'values'} (got ${w.format}, ${w.chunks.length} chunks, ${w.rows} × ${w.cols})`);
    }
  }
  await rec.dispatch(
    { kind: 'mamba2Conv' },
    [a.zxbcdt, a.conv.chunks[0]!.buffer, a.convBias?.chunks[0]!.buffer ?? a.placeholder, a.positions, a.xbc],
    [a.rows, channels, a.conv.cols, rowStride, a.inner, a.convBias ? 1 : 0],
    dispatchGrid(a.rows * channels, WG),
  );
  await rec.dispatch(
    { kind: 'mamba2Scan' },
    [a.zxbcdt, a.xbc, a.dtBias.chunks[0]!.buffer, a.a.chunks[0]!.buffer, a.d.chunks[0]!.buffer, a.positions, a.y],
    [a.rows, a.inner, a.heads, a.groups, a.stateSize, rowStride, channels],
    dispatchGrid(a.rows * a.inner, WG),
  );
}

/** LFM2's short convolution: y (rows × channels) from in_proj's b, c and x (bcx) and the F32 kernel (channels × taps). */
export function shortConvRows(rec: DispatchRecorder, bcx: GPUBuffer, kernel: GpuWeight, positions: GPUBuffer, rows: number, channels: number, y: GPUBuffer): Promise<void> {
  if (kernel.format !== 'F32' || kernel.chunks.length !== 1 || kernel.rows !== channels) {
    throw new Error(`GpuForward: convolution kernel "${kernel.name}" must be one F32 chunk of ${channels} rows (got ${kernel.format}, ${kernel.chunks.length} chunks, ${kernel.rows} rows)`);
  }
  return rec.dispatch({ kind: 'shortConv' }, [bcx, kernel.chunks[0]!.buffer, positions, y], [rows, channels, kernel.cols], dispatchGrid(rows * channels, WG));
}
