// Renders a conversation with the model's chat template the way transformers' apply_chat_template
// does (tokenize=False): the template sees `messages`, `add_generation_prompt`, the special token
// strings (bos_token, eos_token, ...) and the usual helpers. Calibration data ends with the
// assistant's turn, so no generation prompt is added.
import { Environment, Interpreter, parse, tokenize } from '@huggingface/jinja';
import type { GgufKv } from '../gguf/gguf-value.ts';
import type { ChatMessage } from './corpus.ts';

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
  if (step === 0) throw new Error('range() step must not be zero');
  const out: number[] = [];
  for (let i = from; step > 0 ? i < to : i > to; i += step) out.push(i);
  return out;
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
    throw new Error(`${label}: the chat template does not parse (${(e as Error).message})`);
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
      const result = new Interpreter(env).run(program);
      return String(result.value);
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
