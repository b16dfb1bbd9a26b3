// llama.cpp's token attributes as its vocabulary loader leaves them (src/llama-vocab.cpp): the
// types of tokenizer.ggml.token_type, then its fix-ups by token text, which decide which tokens are
// cut out of text as special tokens, and which only when special tokens are parsed (control ones):
// end-of-generation and fill-in-the-middle tokens become control tokens, gpt-oss's harmony
// markers user-defined ones, and so on.
import type { GgufVocab } from './gguf-vocab.ts';
import { TOKEN_TYPE } from './token-type.ts';

export const ATTR = { UNKNOWN: 1, UNUSED: 2, NORMAL: 4, CONTROL: 8, USER_DEFINED: 16, BYTE: 32 } as const;

const ATTR_OF_TYPE: Record<number, number> = {
  [TOKEN_TYPE.UNKNOWN]: ATTR.UNKNOWN, [TOKEN_TYPE.UNUSED]: ATTR.UNUSED, [TOKEN_TYPE.NORMAL]: ATTR.NORMAL,
  [TOKEN_TYPE.CONTROL]: ATTR.CONTROL, [TOKEN_TYPE.USER_DEFINED]: ATTR.USER_DEFINED, [TOKEN_TYPE.BYTE]: ATTR.BYTE,
};

/** Texts llama.cpp takes for these kinds when the file gives no id (the first it meets; usually the only one). */
const DETECTED: Record<string, string[]> = {
  eot: ['<|eot_id|>', '<|im_end|>', '<|end|>', '<end_of_turn>', '<|endoftext|>', '<|end_of_text|>', '<EOT>', '_<EOT>', '[EOT]', '<｜end▁of▁sentence｜>', '<end_of_utterance>'],
  eom: ['<|eom_id|>'],
  fim_pre: ['<|fim_prefix|>', '<fim-prefix>', '<fim_prefix>', '<｜fim▁begin｜>', '<PRE>', '▁<PRE>', '<|code_prefix|>', '<|prefix|>'],
  fim_suf: ['<|fim_suffix|>', '<fim-suffix>', '<fim_suffix>', '<｜fim▁hole｜>', '<SUF>', '▁<SUF>', '<|code_suffix|>', '<|suffix|>'],
  fim_mid: ['<|fim_middle|>', '<fim-middle>', '<fim_middle>', '<｜fim▁end｜>', '<MID>', '▁<MID>', '<|code_middle|>', '<|middle|>'],
  fim_pad: ['<|fim_pad|>', '<fim-pad>', '<fim_pad>', '<PAD>', '[PAD]'],
  fim_rep: ['<|fim_repo|>', '<|repo_name|>', '<fim-repo>', '<REPO>', '<reponame>'],
  fim_sep: ['<|file_sep|>'],
};

/** End-of-generation texts: always control tokens. */
const EOG = [
  '<|eot_id|>', '<|im_end|>', '<|end|>', '<|return|>', '<|call|>', '<|flush|>', '<|calls|>', '<end_of_turn>', '<|endoftext|>', '</s>',
  '<|eom_id|>', '<EOT>', '_<EOT>', '[EOT]', '[EOS]', '<|end_of_text|>', '<end_of_utterance>', '<eos>', '<turn|>', '<|tool_response>',
  '<｜end▁of▁sentence｜>', '[e~[',
];
const HARMONY_USER_DEFINED = ['<|channel|>', '<|message|>', '<|start|>', '<|constrain|>'];

export function tokenAttributes(vocab: GgufVocab, idOf: ReadonlyMap<string, number>): Uint8Array {
  const attrs = Uint8Array.from(vocab.types, (t) => ATTR_OF_TYPE[t] ?? 0);
  const addControl = (text: string) => {
    const id = idOf.get(text);
    if (id !== undefined) attrs[id]! |= ATTR.CONTROL;
  };
  for (const [kind, texts] of Object.entries(DETECTED)) if (!vocab.givenKinds.has(kind)) texts.forEach(addControl);
  EOG.forEach(addControl);
  for (const text of HARMONY_USER_DEFINED) {
    const id = idOf.get(text);
    if (id !== undefined) attrs[id] = ATTR.USER_DEFINED;
  }
  const has = (text: string) => idOf.has(text);
  const end = idOf.get('<|end|>');
  if (end !== undefined && ((has('<|return|>') && (has('<|call|>') || has('<|calls|>'))) || ((has('<|call|>') || has('<|calls|>')) && has('<|flush|>')))) {
    attrs[end] = ATTR.USER_DEFINED;
  }
  const s = idOf.get('</s>');
  if (s !== undefined && has('<|tool_response>')) attrs[s] = ATTR.NORMAL;
  return attrs;
}
