// The fuzzing suite's vocabulary: a target turns a seeded random stream into one input for one
// parser, runs the parser on it, and (where it has one) reads the input independently to say
// whether an accepted input was really valid and read as written.
import { Rng } from '../helpers/generate-model.ts';

export class FuzzRng extends Rng {
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }
  chance(p: number): boolean {
    return this.uniform() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

export interface FuzzCase {
  /** The input, where it is text: shown when a case is run again alone. */
  input?: string;
  /** Runs the parser; resolves with what it accepted, rejects when it refused. */
  run(): Promise<unknown>;
  /**
   * The independent reading of an accepted input: a reason when the input breaks the format's rules
   * (or llama.cpp's) or when the parser's result does not say what the input said; null when fine.
   */
  check?(accepted: unknown): string | null;
}

export interface FuzzTarget {
  name: string;
  /** What a clean refusal must name: the file (or flag) the input came from. */
  errorNames: RegExp;
  /** Reads fixtures once per process; returns the case generator. */
  prepare(): Promise<(rng: FuzzRng) => FuzzCase>;
}

/** How one case ended. Everything but 'accepted' and 'clean error' is a defect. */
export const OUTCOMES = ['accepted', 'clean error', 'raw error', 'hang', 'memory', 'accepted but wrong'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const DEFECTS: readonly Outcome[] = ['raw error', 'hang', 'memory', 'accepted but wrong'];
