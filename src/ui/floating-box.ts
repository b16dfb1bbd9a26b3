import type { CSSProperties } from 'react';

/**
 * Places a popover of about `width` x `height` pixels under the anchor, or above it when the
 * viewport has no room below, and keeps it inside the viewport horizontally.
 */
export function floatingBox(anchor: DOMRect, width: number, height: number): CSSProperties {
  const margin = 8;
  const left = Math.max(margin, Math.min(anchor.left, window.innerWidth - width - margin));
  const below = anchor.bottom + 6;
  const top = below + height > window.innerHeight - margin ? Math.max(margin, anchor.top - height - 6) : below;
  return { position: 'fixed', left, top, width };
}
