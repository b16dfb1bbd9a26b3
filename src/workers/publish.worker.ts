// The publish worker: pushes the studio's files to the Hub in one commit (pushToHub), off the page's
// thread: hashing a GGUF of gigabytes and streaming it out must not stall the heatmap. No GPU here.
// The files arrive as Blobs (the OPFS copy of the export is a File backed by disk: the browser streams
// it to the network and never holds it whole); the token goes to the endpoint only (tokenScopedFetch).
import * as Comlink from 'comlink';
import { CancelledError } from '../core/cancellation.ts';
import { pushToHub, type PushFile, type PushProgress, type PushResult, type PushRetry } from '../io/hub/push-files.ts';
import { releaseProxies } from './release-proxies.ts';

export type { PushProgress, PushResult, PushRetry };

export interface PublishWorkerRequest {
  repo: string;
  token: string;
  endpoint: string;
  private: boolean;
  files: PushFile[];
  commitTitle?: string;
}

let running: AbortController | null = null;

const api = {
  async publish(
    request: PublishWorkerRequest,
    onProgress: (p: PushProgress) => void,
    onRetry?: (r: PushRetry) => void,
  ): Promise<PushResult> {
    if (running) {
      releaseProxies(onProgress, onRetry);
      throw new Error('A publish is already running');
    }
    const controller = new AbortController();
    running = controller;
    try {
      return await pushToHub({
        ...request,
        signal: controller.signal,
        onProgress: (p) => void onProgress({ ...p }),
        ...(onRetry ? { onRetry: (r: PushRetry) => void onRetry({ ...r }) } : {}),
      });
    } catch (error) {
      // Errors cross as their message; a cancel is said as one.
      if (controller.signal.aborted) throw new CancelledError('The publish was cancelled');
      throw error instanceof Error ? new Error(error.message) : error;
    } finally {
      if (running === controller) running = null;
      releaseProxies(onProgress, onRetry);
    }
  },

  cancel(): void {
    running?.abort(new CancelledError('The publish was cancelled'));
  },
};

export type PublishWorkerApi = typeof api;

Comlink.expose(api);
