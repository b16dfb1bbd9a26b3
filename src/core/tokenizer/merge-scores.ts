// Scores for a SentencePiece-style ("llama") vocabulary that ships only as tokenizer.json.
//
// llama.cpp's SPM tokenizer repeatedly merges the adjacent pair whose concatenation is a vocabulary
// token with the highest score (leftmost on ties). Hugging Face's BPE merges the pair with the lowest
// merge rank (leftmost on ties). Giving each token the score -(rank of the first merge producing it)
// makes both pick the same merges in the same order. llama.cpp's converter writes -1000 for every token
// instead, which makes llama.cpp tokenize differently from the model's own tokenizer.
//
// Tokens no merge produces never win against a merged one: single characters and byte/special tokens
// are never the concatenation of two symbols, so their score is never read; a multi-character token that
// no merge makes (HF never emits it) should lose against every real merge, hence the lowest score.
import { isByteToken } from './token-type.ts';
import { mergeParts, type TokenizerJson } from './tokenizer-json.ts';

/** Below every -(rank): for tokens no merge produces. Exactly representable in float32. */
export const UNMERGED_TOKEN_SCORE = -1e9;
/** SentencePiece gives control, unknown and byte pieces 0; kept for familiarity (never read by llama.cpp). */
export const SPECIAL_TOKEN_SCORE = 0;

/** token text -> rank of the first merge that produces it. */
export function firstMergeRanks(tokenizer: TokenizerJson): Map<string, number> {
  const ranks = new Map<string, number>();
  tokenizer.model.merges.forEach((merge, rank) => {
    const [a, b] = mergeParts(merge);
    const text = a + b;
    if (!ranks.has(text)) ranks.set(text, rank);
  });
  return ranks;
}

/** The score of one vocabulary token; `isSpecial` for control/unknown tokens. */
export function spmScoreOf(text: string, isSpecial: boolean, ranks: Map<string, number>): number {
  if (isSpecial || isByteToken(text)) return SPECIAL_TOKEN_SCORE;
  const rank = ranks.get(text);
  return rank === undefined ? UNMERGED_TOKEN_SCORE : 0 - rank; // 0 - 0 is +0, not -0
}
