// The CPU forward's matrix products on `threads` threads while `run` runs (imatrix and eval: one
// forward at a time, whose products are nearly all of its time). Results do not depend on it.
import { useMatmulThreads } from '../core/forward/wasm/matmul-wasm.ts';
import { startParallelMatmul } from '../io/parallel-matmul.node.ts';

export async function withMatmulThreads<T>(threads: number, run: () => Promise<T>): Promise<T> {
  if (threads < 2) return run();
  const pool = startParallelMatmul(threads);
  const previous = useMatmulThreads(pool);
  try {
    return await run();
  } finally {
    useMatmulThreads(previous);
    await pool.dispose();
  }
}
