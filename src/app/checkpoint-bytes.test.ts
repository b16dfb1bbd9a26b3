import { describe, expect, it } from 'vitest';
import type { CalibrationCheckpoint } from '../workers/evaluate.worker.ts';
import { decodeCalibrationCheckpoint, encodeCalibrationCheckpoint } from './checkpoint-bytes.ts';

const imatrix = () => [
  { name: 'blk.0.attn_q.weight', sums: new Float32Array([1.5, 2.25, 3]), count: 64 },
  { name: 'blk.0.ffn_down.weight', sums: new Float32Array([0.125, 7]), count: 64 },
];

describe('calibration checkpoint bytes', () => {
  it('round-trips a checkpoint inside a pass, the forward sharing the imatrix arrays', () => {
    const shared = imatrix();
    const c: CalibrationCheckpoint = {
      version: 1, passStart: 16, imatrix: shared,
      forward: { version: 1, nextLayer: 3, sequenceLengths: [4, 4], embedding: 2, hidden: Float32Array.from({ length: 16 }, (_, i) => i / 3), imatrix: shared },
    };
    const back = decodeCalibrationCheckpoint(encodeCalibrationCheckpoint(c));
    expect(back).toEqual(c);
    expect(back.forward!.imatrix).toBe(back.imatrix);
  });

  it('round-trips a pass boundary (no forward state)', () => {
    const c: CalibrationCheckpoint = { version: 1, passStart: 32, forward: null, imatrix: imatrix() };
    expect(decodeCalibrationCheckpoint(encodeCalibrationCheckpoint(c))).toEqual(c);
  });

  it('refuses damaged bytes, naming the checkpoint', () => {
    const bytes = encodeCalibrationCheckpoint({ version: 1, passStart: 0, forward: null, imatrix: imatrix() });
    expect(() => decodeCalibrationCheckpoint(bytes.subarray(0, bytes.length - 4), 'ckpt A')).toThrow(/ckpt A: blk\.0\.ffn_down\.weight runs past the end/);
    const other = bytes.slice();
    other[6] ^= 0xff;
    expect(() => decodeCalibrationCheckpoint(other, 'ckpt B')).toThrow(/ckpt B/);
    expect(() => decodeCalibrationCheckpoint(new Uint8Array(2), 'ckpt C')).toThrow(/ckpt C: too short/);
  });
});
