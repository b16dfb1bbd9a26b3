// Static scratch for one super-block at a time (calls never overlap: one thread, no reentry).
// Groups have at most 32 elements, super-blocks 256 and at most 16 groups.

/** Search scratch of one group: x - min (make_qkx3) or w*x (make_qx). */
export const XM: usize = memory.data(32 * 4, 16);
/** Search scratch of one group: the levels being tried, as int32. */
export const LAUX: usize = memory.data(32 * 4, 16);
/** Signed levels of one group (make_q3_quants). */
export const SIGNED: usize = memory.data(32 * 4, 16);

/** The levels of the super-block (one byte per element). */
export const LEVELS: usize = memory.data(256, 16);
/** The weights of one group. */
export const WEIGHTS: usize = memory.data(32 * 4, 16);
/** Per group: scale, min, sum of weights, scale code, min code. */
export const SCALES: usize = memory.data(16 * 4, 16);
export const MINS: usize = memory.data(16 * 4, 16);
export const SUM_W: usize = memory.data(16 * 4, 16);
export const LS: usize = memory.data(16, 16);
export const LM: usize = memory.data(16, 16);
