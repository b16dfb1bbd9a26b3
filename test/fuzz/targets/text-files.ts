// Text inputs: chat templates (a program the model's author wrote), calibration JSONL, and
// multiple-choice JSONL.
import { parseCalibrationJsonl } from '../../../src/core/calibration/parse-jsonl.ts';
import { assembleCalibrationStream } from '../../../src/core/calibration/assemble.ts';
import type { CalibrationTokenizer } from '../../../src/core/calibration/calibration-tokenizer.ts';
import type { ChatMessage } from '../../../src/core/calibration/corpus.ts';
import { parseChoiceTasks } from '../../../src/core/eval/choice-tasks.ts';
import { chatTemplateOf, TEMPLATE_MODELS } from '../../calibration/tokenizers.ts';
import type { FuzzTarget } from '../fuzz-types.ts';
import { mutateJson, mutateText, randomJsonValue } from '../mutate.ts';

const TEMPLATE_SNIPPETS = [
  '{% for i in range(100000000) %}x{% endfor %}',
  '{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}',
  "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
  '{% set ns = namespace(a=[1]) %}{% for i in range(40) %}{% set ns.a = ns.a + ns.a %}{% endfor %}{{ ns.a | length }}',
  '{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}',
  "{{ 'x' | indent(1000000000) }}",
  '{{ messages | tojson(indent=100000000) }}',
  "{{ raise_exception('refused') }}",
  '{{ none.foo }}', '{{ messages[99].content }}', '{{ undefined_thing() }}', '{{ 10 ** 1000 }}', '{{ 1 / 0 }}',
  '{{ range(0, 10, 0) }}', '{% if %}', '{% for %}', '{{', '}}', '{% endfor %}', "{{ 'a' * 100 }}",
  '{{ messages[0].content | upper | center(1000000000) }}', "{{ strftime_now('%Y-%m-%d') }}", '{% break %}',
];

const CONVERSATION: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hello?' },
  { role: 'assistant', content: 'Hi.' },
];

/** Bytes as tokens: the stream's assembly does not depend on the tokenizer. */
const TOKENIZER: CalibrationTokenizer = { encode: (s) => Array.from(new TextEncoder().encode(s)), bos: null, special: { bos_token: '<s>', eos_token: '</s>' } };

export const chatTemplateTarget: FuzzTarget = {
  name: 'chat template',
  errorNames: /chat_template\.jinja/,
  async prepare() {
    const seeds = [...TEMPLATE_MODELS.map(chatTemplateOf), "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"];
    return (rng) => {
      const source = mutateText(rng.pick(seeds), rng, TEMPLATE_SNIPPETS);
      return {
        input: source,
        // As calibration renders: each conversation through the template, then tokenized.
        run: async () => assembleCalibrationStream([{ kind: 'chat', messages: CONVERSATION, origin: 'calib.jsonl:1' }], TOKENIZER, { chatTemplate: source, templateLabel: 'chat_template.jinja' }),
      };
    };
  },
};

export const calibrationJsonlTarget: FuzzTarget = {
  name: 'calibration JSONL',
  errorNames: /calib\.jsonl/,
  async prepare() {
    const lines = [
      { messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }], category: 'chat' },
      { text: 'Some prose.', lang: 'en' },
      { text: 'def f(): pass', category: 'code', code: 'python' },
    ];
    return (rng) => {
      const text = Array.from({ length: 1 + rng.int(4) }, () => (rng.chance(0.7) ? mutateJson(rng.pick(lines), rng) : JSON.stringify(rng.pick(lines)))).join(rng.pick(['\n', '\r\n', '\n\n']))
        + (rng.chance(0.1) ? `\n${JSON.stringify(randomJsonValue(rng))}` : '');
      return { run: async () => parseCalibrationJsonl(text, 'calib.jsonl') };
    };
  },
};

export const choicesJsonlTarget: FuzzTarget = {
  name: 'choices JSONL',
  errorNames: /choices\.jsonl/,
  async prepare() {
    const line = { context: 'The sky is', choices: [' blue', ' green', ' loud'], answer: 0 };
    // A byte-level encoder stands in for the model's tokenizer: parsing does not depend on which.
    const encode = (s: string) => Array.from(new TextEncoder().encode(s));
    return (rng) => {
      const lines = Array.from({ length: 1 + rng.int(3) }, () => {
        if (rng.chance(0.05)) return JSON.stringify({ ...line, choices: Array.from({ length: 130_000 }, (_, i) => ` c${i}`) });
        return rng.chance(0.8) ? mutateJson(line, rng) : JSON.stringify(line);
      });
      const text = lines.join('\n');
      return { run: async () => parseChoiceTasks(text, encode, 'choices.jsonl') };
    };
  },
};
