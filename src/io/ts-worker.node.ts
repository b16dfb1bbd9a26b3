// A worker thread on one of this project's modules. From the TypeScript sources it loads through
// tsx's require hook, which compiles in the thread itself: tsx's ESM hooks (what bin/ registers)
// would start a second hooks thread per worker, about twice the memory (~40 MB against ~20 MB).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startModuleWorker(url: URL, options: WorkerOptions = {}): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, options);
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  const code = `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(fileURLToPath(url))});`;
  return new Worker(code, { ...options, eval: true });
}
