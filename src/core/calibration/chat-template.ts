// Renders a conversation with the model's chat template the way transformers' apply_chat_template
// does (tokenize=False): the template sees `messages`, `add_generation_prompt`, the special token
// strings (bos_token, eos_token, ...) and the usual helpers. Calibration data ends with the
// assistant's turn, so no generation prompt is added.
import { Environment, parse, tokenize } from '@huggingface/jinja';
import type { GgufKv } from '../gguf/gguf-value.ts';
import type { ChatMessage } from './corpus.ts';
import { BudgetedInterpreter, checkSize, TEMPLATE_LIMITS, TemplateLimitError, withBoundedRepeat } from './template-budget.ts';

/** Special token strings from tokenizer_config.json, as transformers passes them to templates. */
export interface TemplateSpecialTokens {
  bos_token?: string;
  eos_token?: string;
  unk_token?: string;
  pad_token?: string;
}

/** Templates that ask for today's date get a fixed one, so a corpus always renders the same. */
export const CALIBRATION_DATE = new Date(Date.UTC(2025, 0, 15));
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function strftime(format: string, date: Date): string {
  const pad2 = (n: number) => String(n).padStart(2, '0');
  return format.replace(/%[YmdbBHMSaA%]/g, (t) => {
    switch (t) {
      case '%Y': return String(date.getUTCFullYear());
      case '%m': return pad2(date.getUTCMonth() + 1);
      case '%d': return pad2(date.getUTCDate());
      case '%b': return MONTHS[date.getUTCMonth()]!.slice(0, 3);
      case '%B': return MONTHS[date.getUTCMonth()]!;
      case '%H': return pad2(date.getUTCHours());
      case '%M': return pad2(date.getUTCMinutes());
      case '%S': return pad2(date.getUTCSeconds());
      case '%a': return ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][date.getUTCDay()]!;
      case '%A': return ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][date.getUTCDay()]!;
      default: return '%';
    }
  });
}

function range(start: number, stop?: number, step = 1): number[] {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  if (![from, to, step].every(Number.isFinite)) throw new Error('range() takes numbers');
  if (step === 0) throw new Error('range() step must not be zero');
  if ((to - from) / step > TEMPLATE_LIMITS.items) throw new TemplateLimitError(`it asked for range() of more than ${TEMPLATE_LIMITS.items.toLocaleString('en')} items`);
  const out: number[] = [];
  for (let i = from; step > 0 ? i < to : i > to; i += step) out.push(i);
  return out;
}

/** Errors of the engine itself (a TypeError deep in the interpreter), not of the template's logic. */
function isEngineError(e: unknown): boolean {
  return !(e instanceof Error) || e.constructor !== Error;
}

export interface CompiledChatTemplate {
  render(messages: readonly ChatMessage[], special: TemplateSpecialTokens): string;
}

/**
 * `label` names the template's source in errors. The package's Template.render would declare its
 * own strftime_now (today's date) and a raise_exception with an unreadable message, and refuses
 * redeclaration, so the environment is built here with the same globals.
 */
export function compileChatTemplate(source: string, label: string): CompiledChatTemplate {
  let program: ReturnType<typeof parse>;
  try {
    program = parse(tokenize(source, { lstrip_blocks: true, trim_blocks: true }));
  } catch (e) {
    // The parser's own TypeErrors on cut-off input say nothing useful to the user.
    const reason = isEngineError(e) ? 'it ends inside a tag or expression' : (e as Error).message;
    throw new Error(`${label}: the chat template does not parse (${reason})`);
  }
  return {
    render(messages, special) {
      const env = new Environment();
      const globals: Record<string, unknown> = {
        false: false, true: true, none: null, False: false, True: true, None: null,
        range,
        raise_exception: (message: unknown) => { throw new Error(`the chat template raised: ${String(message)}`); },
        strftime_now: (format: string) => strftime(format, CALIBRATION_DATE),
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        add_generation_prompt: false,
        tools: null,
        documents: null,
      };
      for (const [key, value] of Object.entries(special)) if (typeof value === 'string') globals[key] = value;
      for (const [key, value] of Object.entries(globals)) env.set(key, value);
      try {
        const result = withBoundedRepeat(() => new BudgetedInterpreter(env).run(program));
        const text = String(result.value);
        checkSize(text);
        return text;
      } catch (e) {
        // The caller names the document and the template's file (assemble.ts).
        if (e instanceof TemplateLimitError) throw new Error(`the chat template was stopped: ${e.message}`);
        if (e instanceof RangeError) throw new Error(`the chat template was stopped: it ran out of room (${/call stack/i.test(e.message) ? 'recursion too deep' : 'a value too large'})`);
        if (isEngineError(e)) throw new Error('the chat template failed: an operation on a value of the wrong kind');
        throw e;
      }
    },
  };
}

/** The template a GGUF carries (tokenizer.chat_template; named templates' "default"). */
export function chatTemplateFromMetadata(metadata: readonly GgufKv[]): string | undefined {
  const kv = metadata.find((m) => m.key === 'tokenizer.chat_template');
  return kv?.value.type === 'string' ? kv.value.value : undefined;
}

/** A model without a template: turns as "role: content" lines, a blank line after the conversation. */
export function renderPlainConversation(messages: readonly ChatMessage[]): string {
  return messages.map((m) => `${m.role}: ${m.content}`).join('\n');
}
