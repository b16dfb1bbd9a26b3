// Named buffers that grow on demand and are reused between quantizeRows calls.

export interface GpuBufferPool {
  /** A buffer of at least `size` bytes (rounded up to 4) for `name`; replaced when too small. */
  get(name: string, size: number, usage: GPUBufferUsageFlags): GPUBuffer;
  destroy(): void;
}

export function createGpuBufferPool(device: GPUDevice, owner: string): GpuBufferPool {
  const buffers = new Map<string, GPUBuffer>();
  return {
    get(name, size, usage) {
      const needed = Math.max(4, Math.ceil(size / 4) * 4);
      const existing = buffers.get(name);
      if (existing && existing.size >= needed && existing.usage === usage) return existing;
      existing?.destroy();
      // Chunking caps every size, so after the first large tensor these stop being replaced.
      const buffer = device.createBuffer({ label: `${owner}.${name}`, size: needed, usage });
      buffers.set(name, buffer);
      return buffer;
    },
    destroy() {
      for (const buffer of buffers.values()) buffer.destroy();
      buffers.clear();
    },
  };
}
