// Progress arrives per chunk or layer, far faster than a page can repaint usefully: one rule for
// every job's progress, a few updates a second, and never dropping an update that must be seen.

/**
 * `apply` at most once per `intervalMs`, except for updates `mustShow` marks (the last one, the
 * start of a new tensor): those always pass, since the next may be minutes away on a slow device.
 */
export function throttle<P>(apply: (p: P) => void, intervalMs: number, mustShow: (p: P) => boolean = () => false): (p: P) => void {
  let last = -Infinity;
  return (p) => {
    const now = performance.now();
    if (now - last < intervalMs && !mustShow(p)) return;
    last = now;
    apply(p);
  };
}
