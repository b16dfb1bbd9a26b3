// Arrow keys in a row of choices that is one tab stop (tabs, a segmented control): the WAI-ARIA
// pattern. Left/Up and Right/Down step (wrapping), Home and End jump to the ends; choices that
// cannot be chosen are stepped over.

/** The index the key moves to from `index` among `enabled`; null for a key that is not ours. */
export function rovingStep(key: string, index: number, enabled: readonly boolean[]): number | null {
  const n = enabled.length;
  const scan = (from: number, step: number): number | null => {
    for (let k = 0, i = from; k < n; k++, i = (i + step + n) % n) if (enabled[i]) return i;
    return null;
  };
  switch (key) {
    case 'ArrowRight':
    case 'ArrowDown':
      return scan((index + 1) % n, 1);
    case 'ArrowLeft':
    case 'ArrowUp':
      return scan((index - 1 + n) % n, -1);
    case 'Home':
      return scan(0, 1);
    case 'End':
      return scan(n - 1, -1);
    default:
      return null;
  }
}

/**
 * A keydown handler for a group whose items match `selector`: the key picks the next item, which
 * is focused and chosen (`choose(i)`), as tabs and radio groups do.
 */
export function rovingKeyHandler(selector: string, choose: (index: number) => void) {
  return (event: { key: string; currentTarget: HTMLElement; target: EventTarget; preventDefault(): void }) => {
    const items = [...event.currentTarget.querySelectorAll<HTMLButtonElement>(selector)];
    const index = items.indexOf(event.target as HTMLButtonElement);
    if (index < 0) return;
    const next = rovingStep(event.key, index, items.map((b) => !b.disabled));
    if (next === null) return;
    event.preventDefault();
    items[next]!.focus();
    choose(next);
  };
}
