// One instance of a generated WebAssembly module (scripts/build-wasm.mjs) per thread, made
// synchronously: the modules are a few kilobytes and their callers (Node, web workers) are
// synchronous code. Linear memory is the kernels' scratch; `reserve` grows it and hands out
// views that stay valid until the next reserve.

export interface WasmKernels<E> {
  readonly exports: E;
  /** Ensures `bytes` of linear memory; returns the memory's buffer (new after a grow). */
  reserve(bytes: number): ArrayBuffer;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const PAGE = 65536;

export function wasmKernels<E>(base64: string, what: string): () => WasmKernels<E> {
  let kernels: WasmKernels<E> | null = null;
  return () => {
    if (kernels) return kernels;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(base64)), {
      env: { abort: () => { throw new Error(`${what}: WebAssembly abort`); } },
    });
    const memory = instance.exports.memory as WebAssembly.Memory;
    kernels = {
      exports: instance.exports as E,
      reserve(bytes: number): ArrayBuffer {
        const have = memory.buffer.byteLength;
        if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE));
        return memory.buffer as ArrayBuffer;
      },
    };
    return kernels;
  };
}
