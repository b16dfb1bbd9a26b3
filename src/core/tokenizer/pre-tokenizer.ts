// tokenizer.ggml.pre for byte-level BPE vocabularies. llama.cpp's converter identifies the
// pre-tokenizer by hashing the ids of a test string; we identify it by the split regex the
// tokenizer.json declares, for the pre-tokenizers we know, and refuse the rest (as the converter does).
import type { TokenizerJson } from './tokenizer-json.ts';

const KNOWN_SPLIT_REGEXES: Record<string, string> = {
  // Llama 3 / 3.1 / 3.2
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+": 'llama-bpe',
};

export function gpt2PreTokenizerOf(tokenizer: TokenizerJson, file: string): string {
  const regexes = collectSplitRegexes(tokenizer.pre_tokenizer);
  for (const r of regexes) {
    const pre = KNOWN_SPLIT_REGEXES[r];
    if (pre) return pre;
  }
  throw new Error(`${file}: byte-level BPE pre-tokenizer not recognised (split regex ${JSON.stringify(regexes[0] ?? null)}); supported: ${[...new Set(Object.values(KNOWN_SPLIT_REGEXES))].join(', ')}`);
}

function collectSplitRegexes(node: unknown): string[] {
  if (typeof node !== 'object' || node === null) return [];
  const n = node as { type?: string; pretokenizers?: unknown[]; pattern?: { Regex?: string } };
  if (n.type === 'Sequence') return (n.pretokenizers ?? []).flatMap(collectSplitRegexes);
  if (n.type === 'Split' && typeof n.pattern?.Regex === 'string') return [n.pattern.Regex];
  return [];
}
