// A chat template is a program written by whoever published the model; it runs here on the
// user's machine. It gets a budget: evaluation steps, wall time, nesting depth, and the size of
// every string and list it builds. A template past any of them stops with an error that names
// the limit, instead of hanging the tab or filling its memory.
import { Interpreter } from '@huggingface/jinja';

export const TEMPLATE_LIMITS = {
  /** Evaluated expressions and statements per render; real templates use a few thousand. */
  steps: 5_000_000,
  /** Wall time per render. */
  milliseconds: 2_000,
  /** Nested evaluations (macro recursion): well below what the JavaScript stack holds. */
  depth: 300,
  /** Characters of any string a render builds, its output included. */
  chars: 8_000_000,
  /** Items of any list a render builds (range() included). */
  items: 1_000_000,
} as const;

export class TemplateLimitError extends Error {}

type Runtime = { value?: unknown };
type Evaluate = (statement: unknown, environment: unknown) => Runtime;

/** The interpreter with every evaluation counted, timed and its result measured. */
export class BudgetedInterpreter extends Interpreter {
  private steps = 0;
  private depth = 0;
  private readonly deadline = performance.now() + TEMPLATE_LIMITS.milliseconds;

  constructor(env?: ConstructorParameters<typeof Interpreter>[0]) {
    super(env);
    // A loop runs its body through evaluateBlock once per item, even an empty body that evaluates
    // nothing: count those too, or nested empty loops would run unbudgeted.
    const self = this as unknown as { evaluateBlock: Evaluate };
    const evaluateBlock = self.evaluateBlock;
    self.evaluateBlock = (statements, environment) => {
      this.step();
      const result = evaluateBlock.call(this, statements, environment);
      checkSize(result.value);
      return result;
    };
  }

  private step(): void {
    if (++this.steps > TEMPLATE_LIMITS.steps) throw new TemplateLimitError(`it took more than ${TEMPLATE_LIMITS.steps.toLocaleString('en')} steps`);
    if ((this.steps & 1023) === 0 && performance.now() > this.deadline) throw new TemplateLimitError(`it ran longer than ${TEMPLATE_LIMITS.milliseconds} ms`);
  }

  override evaluate(statement: Parameters<Interpreter['evaluate']>[0], environment: Parameters<Interpreter['evaluate']>[1]): ReturnType<Interpreter['evaluate']> {
    this.step();
    if (++this.depth > TEMPLATE_LIMITS.depth) throw new TemplateLimitError(`it nested deeper than ${TEMPLATE_LIMITS.depth} levels (recursion?)`);
    try {
      const result = (super.evaluate as unknown as Evaluate).call(this, statement, environment);
      checkSize(result.value);
      return result as ReturnType<Interpreter['evaluate']>;
    } finally {
      this.depth--;
    }
  }
}

export function checkSize(value: unknown): void {
  if (typeof value === 'string' && value.length > TEMPLATE_LIMITS.chars) throw new TemplateLimitError(`it built a string of more than ${TEMPLATE_LIMITS.chars.toLocaleString('en')} characters`);
  if (Array.isArray(value) && value.length > TEMPLATE_LIMITS.items) throw new TemplateLimitError(`it built a list of more than ${TEMPLATE_LIMITS.items.toLocaleString('en')} items`);
}

/**
 * Runs `render` with String.prototype.repeat bounded: the engine's indent and tojson filters
 * repeat a string by a count the template chooses, one step that could allocate a gigabyte
 * before any check sees it. Rendering is synchronous, so nothing else runs while it is replaced.
 */
export function withBoundedRepeat<T>(render: () => T): T {
  const repeat = String.prototype.repeat;
  String.prototype.repeat = function bounded(this: string, count: number): string {
    if (this.length * count > TEMPLATE_LIMITS.chars) throw new TemplateLimitError(`it asked for a string of ${(this.length * count).toLocaleString('en')} characters`);
    return repeat.call(this, count);
  };
  try {
    return render();
  } finally {
    String.prototype.repeat = repeat;
  }
}
