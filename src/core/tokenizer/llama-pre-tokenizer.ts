// How llama.cpp splits text into words before byte-level BPE, by tokenizer.ggml.pre name: the
// regexes of llm_tokenizer_bpe (src/llama-vocab.cpp), each applied in turn to every piece the one
// before left, with the text between matches kept as pieces of its own (unicode_regex_split).
// Written as JavaScript regexes with llama.cpp's semantics: \s is llama.cpp's whitespace set
// (Unicode White_Space, which JavaScript's \s is not: it adds U+FEFF and lacks U+0085), and the
// lookahead letter classes of the gpt-4o/tekken patterns treat every non-ASCII letter as both cases,
// as llama.cpp's collapsed-category regexes do.

export interface LlamaPreTokenizer {
  name: string;
  regexes: RegExp[];
  /** A word that is itself a token is taken whole (llama.cpp's ignore_merges). */
  ignoreMerges: boolean;
  /** add_bos when tokenizer.ggml.add_bos_token is absent. */
  addBos: boolean;
  /** The pre-tokenizer disables the default BOS id (chatglm). */
  noBos: boolean;
}

const WS = '\\t\\n\\v\\f\\r \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';
const S = `[${WS}]`;
const NOT_S = `[^${WS}]`;
const CONTRACTIONS = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
const WS_TAIL = `${S}*[\\r\\n]+|${S}+(?!${NOT_S})|${S}+`;

const GPT2 = `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${WS}\\p{L}\\p{N}]+|${S}+(?!${NOT_S})`;
const llama3Like = (digits: string) => `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}${digits}| ?[^${WS}\\p{L}\\p{N}]+[\\r\\n]*|${WS_TAIL}`;
const LLAMA3 = llama3Like('{1,3}');
const QWEN2 = llama3Like('');
const QWEN35 = `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^${WS}\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|${WS_TAIL}`;
const UPPERISH = '(?:(?=\\p{L})[^a-z])';
const LOWERISH = '(?:(?=\\p{L})[^A-Z])';
const GPT4O = `[^\\r\\n\\p{L}\\p{N}]?${UPPERISH}*${LOWERISH}+${CONTRACTIONS}?|[^\\r\\n\\p{L}\\p{N}]?${UPPERISH}+${LOWERISH}*${CONTRACTIONS}?|\\p{N}{1,3}| ?[^${WS}\\p{L}\\p{N}]+[\\r\\n/]*|${WS_TAIL}`;
const TEKKEN = `[^\\r\\n\\p{L}\\p{N}]?${UPPERISH}*${LOWERISH}+|[^\\r\\n\\p{L}\\p{N}]?${UPPERISH}+${LOWERISH}*|\\p{N}| ?[^${WS}\\p{L}\\p{N}]+[\\r\\n/]*|${WS_TAIL}`;
const SEED_CODER = `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^${WS}\\p{L}\\p{N}\\r\\n]+|${WS_TAIL}`;
const BAILINGMOE = `'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^${WS}\\p{L}\\p{N}]+[\\r\\n]*|${S}*[\\r\\n]|${S}+(?!${NOT_S})|${S}+`;
const DEFAULT = ['[\\p{P}$+<=>^~|]+', GPT2, '\\p{N}+', '[0-9][0-9][0-9]'];

interface PreSpec { regexes: string[]; ignoreMerges?: boolean; addBos?: boolean; noBos?: boolean }

const GROUPS: [names: string[], spec: PreSpec][] = [
  [['default'], { regexes: DEFAULT }],
  [['llama3', 'llama-v3', 'llama-bpe', 'falcon3', 'falcon-h1', 'pixtral', 'midm-2.0', 'lfm2', 'jina-v5-nano'], { regexes: [LLAMA3], ignoreMerges: true, addBos: true }],
  [['dbrx', 'smaug-bpe'], { regexes: [LLAMA3] }],
  [['glm4', 'chatglm-bpe'], { regexes: [LLAMA3], noBos: true }],
  [['gpt-2', 'phi-2', 'jina-es', 'jina-de', 'gigachat', 'jina-v2-es', 'jina-v2-de', 'a.x-4.0', 'mellum', 'modern-bert', 'mpt', 'olmo', 'jais', 'trillion', 'granite-docling', 'exaone4'], { regexes: [GPT2] }],
  [['starcoder', 'refact', 'command-r', 'smollm', 'codeshell', 'exaone', 'minerva-7b', 'mellum2'], { regexes: ['\\p{N}', GPT2] }],
  [['qwen2', 'deepseek-r1-qwen', 'kormo', 'f2llmv2', 'megrez', 'stablelm2', 'hunyuan', 'solar-open', 'grok-2'], { regexes: [QWEN2] }],
  [['qwen35'], { regexes: [QWEN35] }],
  [['gpt-4o', 'llama4', 'kanana2', 'talkie', 'minimax-m2'], { regexes: [GPT4O] }],
  [['tekken'], { regexes: [TEKKEN], ignoreMerges: true, addBos: true }],
  [['seed-coder'], { regexes: [SEED_CODER] }],
  [['bailingmoe', 'bailingmoe2', 'llada-moe'], { regexes: [BAILINGMOE] }],
];

const BY_NAME = new Map<string, PreSpec>(GROUPS.flatMap(([names, spec]) => names.map((n) => [n, spec] as const)));

export const SUPPORTED_PRE_TOKENIZERS: readonly string[] = [...BY_NAME.keys()];

export function llamaPreTokenizer(name: string, file: string): LlamaPreTokenizer {
  const spec = BY_NAME.get(name);
  if (!spec) {
    throw new Error(`${file}: tokenizer.ggml.pre "${name}" is not a pre-tokenizer this tool can tokenize with (supported: ${SUPPORTED_PRE_TOKENIZERS.join(', ')})`);
  }
  return {
    name,
    regexes: spec.regexes.map((r) => new RegExp(r, 'gu')),
    ignoreMerges: spec.ignoreMerges ?? false,
    addBos: spec.addBos ?? false,
    noBos: spec.noBos ?? false,
  };
}

/** The words of `text`: every regex splits every piece into its matches and the text between them. */
export function preTokenize(text: string, regexes: readonly RegExp[]): string[] {
  let pieces = [text];
  for (const regex of regexes) {
    const next: string[] = [];
    for (const piece of pieces) {
      let at = 0;
      regex.lastIndex = 0;
      for (let m = regex.exec(piece); m !== null; m = regex.exec(piece)) {
        if (m[0].length === 0) {
          regex.lastIndex++;
          continue;
        }
        if (m.index > at) next.push(piece.slice(at, m.index));
        next.push(m[0]);
        at = m.index + m[0].length;
      }
      if (at < piece.length) next.push(piece.slice(at));
    }
    pieces = next;
  }
  return pieces;
}
