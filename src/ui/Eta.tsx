import { useEffect, useRef, useState } from 'react';
import { etaNow } from './eta-countdown.ts';
import { formatDuration } from './format.ts';

/** "ETA 1 min 20 s", counting down each second between reports (see eta-countdown.ts). */
export function Eta({ seconds }: { seconds: number | null }) {
  // When the worker's estimate last changed: the countdown starts from there.
  const estimate = useRef({ seconds, at: performance.now() });
  if (estimate.current.seconds !== seconds) estimate.current = { seconds, at: performance.now() };
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  const now = etaNow(estimate.current.seconds, estimate.current.at, performance.now());
  return (
    <span className="eta" data-testid="eta" data-eta-seconds={now.seconds === null ? '' : now.seconds.toFixed(1)}>
      {now.seconds === null
        ? 'ETA —'
        : now.overBy >= 1
          ? `ETA any moment (${formatDuration(now.overBy)} over the estimate)`
          : `ETA ${formatDuration(now.seconds)}`}
    </span>
  );
}
