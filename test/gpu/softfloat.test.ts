// softfloat.wgsl against JS on ~100k bit patterns per operation (random regimes, specials,
// subnormals, ties), run through a probe kernel on the GPU.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDevice } from '../helpers/gpu-env.ts';
import { composeWgslSource } from '../../src/gpu/wgsl-modules.ts';
import probeSource from './softfloat-probe.wgsl?raw';
import {
  bitsToFloat, floatToBits, makeRng, randomConversionOperand, randomPair, randomRoundingOperand,
  referenceF16, SPECIALS, x86IntCast, type Rng,
} from './softfloat-cases.ts';

const CASES = 100_000;
let device: GPUDevice;
let module: GPUShaderModule;

beforeAll(async () => {
  device = await createTestDevice();
  module = device.createShaderModule({ label: 'SoftfloatTest.module', code: composeWgslSource('test/gpu/softfloat-probe.wgsl', probeSource) });
});
afterAll(() => device?.destroy());

async function runProbe(op: number, operands: Uint32Array<ArrayBuffer>): Promise<Uint32Array> {
  const count = operands.length / 2;
  const input = device.createBuffer({ label: 'SoftfloatTest.input', size: operands.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const output = device.createBuffer({ label: 'SoftfloatTest.output', size: count * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const readback = device.createBuffer({ label: 'SoftfloatTest.readback', size: count * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(input, 0, operands);
  const pipeline = await device.createComputePipelineAsync({
    label: `SoftfloatTest.pipeline.${op}`,
    layout: 'auto',
    compute: { module, entryPoint: 'main', constants: { OP: op } },
  });
  const bindGroup = device.createBindGroup({
    label: 'SoftfloatTest.bindGroup',
    layout: pipeline.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer: input } }, { binding: 1, resource: { buffer: output } }],
  });
  const encoder = device.createCommandEncoder({ label: 'SoftfloatTest.encoder' });
  const pass = encoder.beginComputePass({ label: 'SoftfloatTest.pass' });
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(Math.ceil(count / 64));
  pass.end();
  encoder.copyBufferToBuffer(output, 0, readback, 0, count * 4);
  device.queue.submit([encoder.finish()]);
  await readback.mapAsync(GPUMapMode.READ);
  const result = new Uint32Array(readback.getMappedRange().slice(0));
  readback.unmap();
  for (const b of [input, output, readback]) b.destroy();
  return result;
}

const isNanBits = (bits: number) => (bits & 0x7fffffff) >>> 0 > 0x7f800000;
const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

function operandsOf(gen: (rng: Rng) => [number, number], seed: number): Uint32Array<ArrayBuffer> {
  const rng = makeRng(seed);
  const ops = new Uint32Array(2 * (CASES + SPECIALS.length ** 2));
  let k = 0;
  for (const a of SPECIALS) for (const b of SPECIALS) { ops[k++] = a; ops[k++] = b; }
  while (k < ops.length) { const [a, b] = gen(rng); ops[k++] = a; ops[k++] = b; }
  return ops;
}

/** Compares every result; float results match when bits are equal or both are NaN. */
async function expectOp(op: number, operands: Uint32Array<ArrayBuffer>, reference: (a: number, b: number) => number, isFloat: boolean) {
  const got = await runProbe(op, operands);
  const failures: string[] = [];
  for (let i = 0; i < got.length && failures.length < 5; i++) {
    const a = operands[2 * i]!, b = operands[2 * i + 1]!;
    const want = reference(a, b) >>> 0;
    const ok = got[i] === want || (isFloat && isNanBits(got[i]!) && isNanBits(want));
    if (!ok) failures.push(`#${i} a=${hex(a)} (${bitsToFloat(a)}) b=${hex(b)} (${bitsToFloat(b)}): got ${hex(got[i]!)} want ${hex(want)}`);
  }
  expect(failures, failures.join('\n')).toEqual([]);
}

const binary = (f: (x: number, y: number) => number) => (a: number, b: number) => floatToBits(Math.fround(f(bitsToFloat(a), bitsToFloat(b))));
const unaryOperands = (gen: (rng: Rng) => number, seed: number) => operandsOf((rng) => [gen(rng), 0], seed);

describe('softfloat.wgsl matches IEEE binary32 (JS doubles rounded once)', () => {
  it('add', () => expectOp(0, operandsOf(randomPair, 1), binary((x, y) => x + y), true));
  it('sub', () => expectOp(1, operandsOf(randomPair, 2), binary((x, y) => x - y), true));
  it('mul', () => expectOp(2, operandsOf(randomPair, 3), binary((x, y) => x * y), true));
  it('div', () => expectOp(3, operandsOf(randomPair, 4), binary((x, y) => x / y), true));
  it('sqrt', () => expectOp(4, operandsOf(randomPair, 5), binary((x) => Math.sqrt(x)), true));
  it('fp32 -> fp16 bits (RNE, subnormals, overflow to inf)', () =>
    expectOp(5, unaryOperands(randomConversionOperand, 6), (a) => referenceF16(a), false));
  it('fp32 -> bf16 bits (ggml rule)', () =>
    expectOp(6, unaryOperands(randomConversionOperand, 7), (a) =>
      isNanBits(a) ? (a >>> 16) | 64 : ((a + 0x7fff + ((a >>> 16) & 1)) >>> 16), false));
  it('nearest_int (ggml: bits of v + 12582912.f)', () =>
    expectOp(7, unaryOperands(randomRoundingOperand, 8), (a) =>
      (floatToBits(Math.fround(bitsToFloat(a) + 12582912)) & 0x7fffff) - 0x400000, false));
  it('roundf (half away from zero) then int cast', () =>
    expectOp(8, unaryOperands(randomRoundingOperand, 9), (a) => {
      const x = bitsToFloat(a);
      return x86IntCast(Math.sign(x) * Math.floor(Math.abs(x) + 0.5));
    }, false));
  it('truncating int cast', () =>
    expectOp(9, unaryOperands(randomRoundingOperand, 10), (a) => x86IntCast(Math.trunc(bitsToFloat(a))), false));
  it('compares (<, ==, <=)', () =>
    expectOp(10, operandsOf(randomPair, 11), (a, b) => {
      const x = bitsToFloat(a), y = bitsToFloat(b);
      return (x < y ? 1 : 0) | (x === y ? 2 : 0) | (x <= y ? 4 : 0);
    }, false));
  it('int -> float', () =>
    expectOp(11, operandsOf(randomPair, 12), (a) => floatToBits(Math.fround(a | 0)), false));
});
