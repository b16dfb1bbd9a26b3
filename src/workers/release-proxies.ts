// A callback the page passes with Comlink.proxy arrives here as a proxy holding a MessagePort
// open on both sides; it stays open (and the page's function reachable) until released. Every
// call that takes callbacks releases them when it settles: done, failed or cancelled.
import * as Comlink from 'comlink';

/** Releases each Comlink proxy among `callbacks`; plain functions (tests, Node) and undefined are skipped. */
export function releaseProxies(...callbacks: unknown[]): void {
  for (const callback of callbacks) {
    const release = (callback as { [Comlink.releaseProxy]?: () => void } | undefined)?.[Comlink.releaseProxy];
    if (typeof release === 'function') release.call(callback);
  }
}
