// The i-quant kernels' lattice tables as storage buffers, built once per table and kept until
// their owner is disposed (the quantizer's search tables, the dequantizer's grid values).
import type { IqKernel } from './iq-variants.ts';

export interface IqTableBuffers {
  get(kernel: IqKernel): GPUBuffer;
  destroy(): void;
}

export function createIqTableBuffers(
  device: GPUDevice, label: string, build: (kernel: IqKernel) => Uint32Array,
): IqTableBuffers {
  const buffers = new Map<Uint32Array, GPUBuffer>();
  return {
    get(kernel) {
      // The builders cache their tables, so the same words mean the same table.
      const words = build(kernel);
      let buffer = buffers.get(words);
      if (!buffer) {
        buffer = device.createBuffer({ label: `${label}.${kernel.grid}`, size: words.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
        device.queue.writeBuffer(buffer, 0, words as Uint32Array<ArrayBuffer>);
        buffers.set(words, buffer);
      }
      return buffer;
    },
    destroy() {
      for (const buffer of buffers.values()) buffer.destroy();
      buffers.clear();
    },
  };
}
