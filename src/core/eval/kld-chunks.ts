// What llama-perplexity --kl-divergence scores, shared by the CPU evaluation (evaluate-kld.ts) and
// the worker's over any forward (workers/forward-kld.ts): n_ctx-token chunks with BOS first,
// positions n_ctx/2 .. n_ctx-2 scored (each predicting the next token), and the base model's rows
// stored as its --kl-divergence-base file stores them (u16 log-probs) until the quantized pass.
import { chunkTokens } from '../forward/chunks.ts';
import type { ForwardModel, ForwardRequest } from '../forward/forward-types.ts';
import { baseSlots } from './base-log-probs.ts';

export interface KldChunkOptions {
  contextSize: number;
  maxChunks?: number;
  bos: number | null;
}

export interface KldChunks {
  readonly chunks: number[][];
  readonly contextSize: number;
  /** The first scored position, n_ctx/2. */
  readonly first: number;
  /** Scored positions per chunk. */
  readonly scored: number;
  readonly vocab: number;
  /** The token that position pos of chunk c predicts: the original one (the BOS swap only changes inputs). */
  target(chunk: number, pos: number): number;
  /** The stored base row of chunk c, position pos. */
  baseRow(chunk: number, pos: number): Uint16Array;
  /** Throws unless `quant` scores the same vocabulary as the base model. */
  checkVocabulary(quant: ForwardModel): void;
  /** The forward request for `count` chunks from c0; the scored positions' logits go to onRow. */
  request(c0: number, count: number, onRow: (chunk: number, pos: number, logits: Float32Array) => void): ForwardRequest;
}

export function kldChunks(tokens: readonly number[], base: ForwardModel, options: KldChunkOptions): KldChunks {
  const ctx = options.contextSize;
  const chunks = chunkTokens(tokens, { contextSize: ctx, maxChunks: options.maxChunks, bos: options.bos }, 'evaluation text');
  const first = Math.floor(ctx / 2);
  const scored = ctx - 1 - first;
  const vocab = base.hparams.vocabSize;
  const slots = baseSlots(vocab);
  const baseRows = new Uint16Array(chunks.length * scored * slots);
  return {
    chunks, contextSize: ctx, first, scored, vocab,
    checkVocabulary: (quant) => {
      if (quant.hparams.vocabSize !== vocab) throw new Error(`KLD: vocabularies differ (${vocab} vs ${quant.hparams.vocabSize})`);
    },
    target: (c, pos) => tokens[c * ctx + pos + 1]!,
    baseRow: (c, pos) => baseRows.subarray((c * scored + pos - first) * slots, (c * scored + pos - first + 1) * slots),
    request: (c0, count, onRow) => ({
      sequences: chunks.slice(c0, c0 + count),
      outputFrom: () => first,
      onLogits: (s, pos, logits) => { if (pos < ctx - 1) onRow(c0 + s, pos, logits); },
    }),
  };
}
