// Static scratch of the i-quants, one super-block at a time (one thread, no reentry). Sub-blocks
// have at most 32 values, super-blocks 256 values and at most 16 sub-blocks.

/** The importance weights of one sub-block. */
export const WEIGHT: usize = memory.data(32 * 4, 16);
/** sqrt(weight): the weights of the IQ2/IQ3 neighbour search. */
export const WAUX: usize = memory.data(32 * 4, 16);
/** The magnitudes of one sub-block (after the sign split). */
export const XVAL: usize = memory.data(32 * 4, 16);
/** One sign byte per 8 values of one sub-block. */
export const SIGNS: usize = memory.data(8, 16);
/** The chosen levels of one sub-block (int32). */
export const LEVELS: usize = memory.data(32 * 4, 16);
/** The levels a scale search step tries (int32). */
export const TRIAL: usize = memory.data(32 * 4, 16);
/** The grid index of each group of one sub-block (int32). */
export const INDEX: usize = memory.data(8 * 4, 16);
/** Per sub-block of the super-block: its scale, and a small code (IQ1 shifts) or packed words. */
export const SCALES: usize = memory.data(16 * 4, 16);
export const CODES: usize = memory.data(16 * 4, 16);
/** The (level, coordinate) error terms of one neighbour search, level-major (iq-neighbour.ts). */
export const TERMS: usize = memory.data(32 * 4, 16);
