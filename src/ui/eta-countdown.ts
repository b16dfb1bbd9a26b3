// A job's time left between two progress reports. Workers report after each step; a step can
// take long (a layer of a large model, the output head over a big vocabulary), and a number that
// stands still reads as a hang. So the estimate counts down by the time since it was made, and
// once it has run out the page says by how much the job is over it rather than showing "0 s".

export interface EtaReading {
  /** Seconds left now (never below zero); null while there is no estimate yet. */
  seconds: number | null;
  /** Seconds past the estimate (0 while within it). */
  overBy: number;
}

export function etaNow(estimate: number | null, estimatedAtMs: number, nowMs: number): EtaReading {
  if (estimate === null || !Number.isFinite(estimate)) return { seconds: null, overBy: 0 };
  const left = estimate - Math.max(0, nowMs - estimatedAtMs) / 1000;
  return left >= 0 ? { seconds: left, overBy: 0 } : { seconds: 0, overBy: -left };
}
