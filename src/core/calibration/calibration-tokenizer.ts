// The model's tokenizer as calibration needs it: text -> ids without BOS (the stream adds BOS
// once, as llama-imatrix does), added tokens such as <|im_start|> parsed from the text (a
// rendered chat template contains them as text), and the special token strings templates use.
import { readJson, type ModelFiles } from '../bytes-io.ts';
import { loadTextTokenizer } from '../forward/tokenize.ts';
import type { TemplateSpecialTokens } from './chat-template.ts';

export interface CalibrationTokenizer {
  /** Ids of `text`, no BOS added; special tokens written in the text become their single ids. */
  encode(text: string): number[];
  /** BOS id when the vocabulary adds BOS (tokenizer_config.json's add_bos_token), else null. */
  bos: number | null;
  special: TemplateSpecialTokens;
}

export async function loadCalibrationTokenizer(files: ModelFiles): Promise<CalibrationTokenizer> {
  // The same tokenizer and BOS rule as the --text path, so both give the same ids for plain text.
  const text = await loadTextTokenizer(files);
  const configSource = files.open('tokenizer_config.json');
  const config = configSource ? await readJson<Record<string, unknown>>(configSource) : {};
  return {
    bos: text.bos,
    encode: text.bos === null ? (s) => text.encode(s) : (s) => text.encode(s).slice(1),
    special: specialTokenStrings(config),
  };
}

/** bos_token etc. may be a string or an AddedToken object ({content, ...}); null means none. */
export function specialTokenStrings(config: Record<string, unknown>): TemplateSpecialTokens {
  const special: TemplateSpecialTokens = {};
  for (const key of ['bos_token', 'eos_token', 'unk_token', 'pad_token'] as const) {
    const entry = config[key];
    const content = typeof entry === 'string' ? entry : (entry as { content?: unknown } | null | undefined)?.content;
    if (typeof content === 'string') special[key] = content;
  }
  return special;
}
