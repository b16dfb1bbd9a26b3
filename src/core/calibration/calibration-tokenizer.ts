// The model's tokenizer as calibration needs it: text -> ids without BOS (the stream adds BOS
// once, as llama-imatrix does), added tokens such as <|im_start|> parsed from the text (a
// rendered chat template contains them as text), and the special token strings templates use.
import { readJson, type ModelFiles } from '../bytes-io.ts';
import { loadTextTokenizer } from '../forward/tokenize.ts';
import { loadGgufTokenizer, tokenizerIsInGguf } from '../tokenizer/load-gguf-tokenizer.ts';
import type { TemplateSpecialTokens } from './chat-template.ts';

export interface CalibrationTokenizer {
  /** Ids of `text`, no BOS added; special tokens written in the text become their single ids. */
  encode(text: string): number[];
  /** BOS id when the vocabulary adds BOS (tokenizer_config.json's add_bos_token), else null. */
  bos: number | null;
  special: TemplateSpecialTokens;
}

export async function loadCalibrationTokenizer(files: ModelFiles): Promise<CalibrationTokenizer> {
  if (tokenizerIsInGguf(files)) {
    // From a GGUF: its tokenizer with special tokens parsed (llama.cpp's tokenize with special=true,
    // as a rendered chat template needs), and the special strings from the vocabulary's ids.
    const gguf = await loadGgufTokenizer(files);
    const { vocab } = gguf;
    const special: TemplateSpecialTokens = {};
    const kinds = [['bos_token', vocab.bos], ['eos_token', vocab.eos], ['unk_token', vocab.unk], ['pad_token', vocab.pad]] as const;
    for (const [key, id] of kinds) if (id !== null) special[key] = vocab.tokens[id]!;
    return { bos: vocab.addBos ? vocab.bos : null, encode: (s) => gguf.encode(s, true), special };
  }
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
