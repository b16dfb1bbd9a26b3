// llama.cpp's token types (gguf-py TokenType), written as i32 in tokenizer.ggml.token_type.
export const TOKEN_TYPE = {
  NORMAL: 1,
  UNKNOWN: 2,
  CONTROL: 3,
  USER_DEFINED: 4,
  UNUSED: 5,
  BYTE: 6,
} as const;
export type TokenType = (typeof TOKEN_TYPE)[keyof typeof TOKEN_TYPE];

const BYTE_TOKEN = /^<0x[0-9A-Fa-f]{2}>$/;
export const isByteToken = (text: string): boolean => BYTE_TOKEN.test(text);

/**
 * The converter's does_token_look_special: added tokens some models forget to mark special
 * (Gemma's <unusedN>, <mask>; "<|...|>" forms) are typed CONTROL all the same.
 */
export function looksSpecial(text: string): boolean {
  if (['<pad>', '<mask>', '<2mass>', '[@BOS@]'].includes(text)) return true;
  if (text.startsWith('<|') && text.endsWith('|>')) return true;
  if (text.startsWith('<\uff5c') && text.endsWith('\uff5c>')) return true; // deepseek-coder's fullwidth bars
  return text.startsWith('<unused') && text.endsWith('>');
}
