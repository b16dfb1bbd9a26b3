// Web worker owning a GPUDevice for quantization. The app talks to it through Comlink:
//   const api = Comlink.wrap<QuantWorkerApi>(new Worker(new URL('./quant.worker.ts', import.meta.url), { type: 'module' }));
import * as Comlink from 'comlink';
import type { GgmlTypeName } from '../core/ggml-type.ts';
import { describeDevice, requestQuantDevice } from '../gpu/device.ts';
import { createGpuRowQuantizer, type GpuRowQuantizer } from '../gpu/gpu-quantizer.ts';
import { createGpuRowDequantizer } from '../gpu/gpu-dequantizer.ts';
import type { GpuRowDequantizer } from '../gpu/row-dequantizer.ts';

let device: GPUDevice | null = null;
let quantizer: GpuRowQuantizer | null = null;
let dequantizer: GpuRowDequantizer | null = null;
let lostReason: string | null = null;

function requireQuantizer(): GpuRowQuantizer {
  if (quantizer) return quantizer;
  throw new Error(lostReason
    ? `quant.worker: the GPU device was lost (${lostReason}); call init() again`
    : 'quant.worker: call init() before quantizeRows()');
}

const api = {
  /** Creates the device (once); returns the adapter's description for the UI. */
  async init(): Promise<{ adapter: string }> {
    if (!device) {
      if (!navigator.gpu) throw new Error('quant.worker: WebGPU is not available in this worker');
      const created = await requestQuantDevice(navigator.gpu, {
        onLost: (info) => {
          lostReason = `${info.reason}: ${info.message}`;
          quantizer?.dispose();
          quantizer = null;
          dequantizer?.dispose();
          dequantizer = null;
          device = null;
        },
      });
      device = created;
      quantizer = createGpuRowQuantizer(created);
      dequantizer = createGpuRowDequantizer(created);
      lostReason = null;
    }
    return { adapter: describeDevice(device) };
  },

  supports(type: GgmlTypeName): boolean {
    return requireQuantizer().supports(type);
  },

  /** ggml blocks of `type`, rows back to back; the result's buffer is transferred. */
  async quantizeRows(type: GgmlTypeName, src: Float32Array, cols: number, imatrix: Float32Array | null): Promise<Uint8Array> {
    const out = await requireQuantizer().quantizeRows(type, src, cols, imatrix);
    return Comlink.transfer(out, [out.buffer]);
  },

  /** ggml's dequantize_row_* of whole rows; the result's buffer is transferred. */
  async dequantizeRows(type: GgmlTypeName, bytes: Uint8Array, cols: number): Promise<Float32Array> {
    requireQuantizer();
    const out = await dequantizer!.dequantizeRows(type, bytes, cols);
    return Comlink.transfer(out, [out.buffer]);
  },
};

Comlink.expose(api);

export type QuantWorkerApi = typeof api;
