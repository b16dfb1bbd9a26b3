// One instance of a generated WebAssembly module (scripts/build-wasm.mjs) per thread, made
// synchronously: the modules are a few kilobytes and their callers (Node, worker threads, web
// workers) are synchronous code; a browser's main thread refuses synchronous compiles over 4 KB,
// so the studio runs these in workers only. Every module exports heapBase(): its static data
// (tables) ends there and callers lay their arrays out from `base`. `reserve` grows the memory
// and returns its buffer, valid until the next reserve.

export interface WasmKernels<E> {
  readonly exports: E;
  /** The first free byte above the module's static data, 16-byte aligned. */
  readonly base: number;
  /** Ensures memory up to base + `bytes`; returns the memory's buffer (a new one after a grow). */
  reserve(bytes: number): ArrayBuffer;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const PAGE = 65536;

/** A lazy getter of the module's kernels (instantiated on first use). */
export function wasmKernels<E>(base64: string): () => WasmKernels<E> {
  let kernels: WasmKernels<E> | null = null;
  return () => {
    if (kernels) return kernels;
    const exports = new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(base64)), {}).exports;
    const memory = exports.memory as WebAssembly.Memory;
    const base = ((exports.heapBase as () => number)() + 15) & ~15;
    kernels = {
      exports: exports as E,
      base,
      reserve(bytes: number): ArrayBuffer {
        const have = memory.buffer.byteLength;
        if (base + bytes > have) memory.grow(Math.ceil((base + bytes - have) / PAGE));
        return memory.buffer as ArrayBuffer;
      },
    };
    return kernels;
  };
}
