// The main thread's handle on the export worker. Only types cross from workers/ into app/;
// the worker module itself is loaded by URL so its GPU code never enters the page bundle.
import * as Comlink from 'comlink';
import type { ExportWorkerApi } from '../workers/protocol.ts';

let client: Comlink.Remote<ExportWorkerApi> | null = null;

export function exportWorker(): Comlink.Remote<ExportWorkerApi> {
  if (!client) {
    const worker = new Worker(new URL('../workers/export.worker.ts', import.meta.url), {
      type: 'module',
      name: 'export',
    });
    client = Comlink.wrap<ExportWorkerApi>(worker);
  }
  return client;
}
