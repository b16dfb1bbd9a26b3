// A corpus -> one token stream -> llama-imatrix's chunks.
//
// Documents are concatenated in order and the stream is cut into n_ctx-token chunks, each
// starting with BOS when the vocabulary adds it (chunkTokens, llama-imatrix's rule). Conversations
// are concatenated too rather than each starting a chunk: aligning them would need padding (pad
// tokens add activations no real input has) or dropping each conversation's tail past the chunk
// end, and either wastes a large share of short conversations' tokens. Concatenated, every
// token is measured, almost every token sees a long real context (the previous turns and
// conversations, like a long chat session does), the template's role markers and BOS still
// appear at their natural places inside chunks, and the stream is what llama-imatrix
// --parse-special computes on the same rendered text, so the result can be checked against it.
import { chunkTokens } from '../forward/chunks.ts';
import type { CalibrationTokenizer } from './calibration-tokenizer.ts';
import { compileChatTemplate, renderPlainConversation } from './chat-template.ts';
import type { CalibrationDocument } from './corpus.ts';

export interface AssembleOptions {
  /** The model's chat template; undefined renders conversations as "role: content" text. */
  chatTemplate?: string;
  /** Names the template in errors, e.g. "<model>/tokenizer_config.json". */
  templateLabel?: string;
  /** Called once when conversations are rendered without a template. */
  onWarning?: (message: string) => void;
}

export interface CalibrationStream {
  /** The whole corpus, BOS first when the vocabulary adds it. */
  tokens: number[];
  /** Tokens contributed by each document, in corpus order. */
  documentTokens: number[];
}

/** Separates a plain document from the next, as blank lines separate documents in a text file. */
const TEXT_SEPARATOR = '\n\n';

/** The text each document contributes to the stream, separators included. */
export function renderCalibrationTexts(documents: readonly CalibrationDocument[], special: CalibrationTokenizer['special'], options: AssembleOptions = {}): string[] {
  const template = options.chatTemplate === undefined ? undefined : compileChatTemplate(options.chatTemplate, options.templateLabel ?? 'chat template');
  if (template === undefined && documents.some((d) => d.kind === 'chat')) {
    options.onWarning?.('the model has no chat template: conversations are rendered as plain "role: content" text');
  }
  return documents.map((doc, i) => {
    const last = i === documents.length - 1;
    if (doc.kind === 'text') return last ? doc.text : doc.text + TEXT_SEPARATOR;
    if (template === undefined) return renderPlainConversation(doc.messages) + (last ? '' : TEXT_SEPARATOR);
    try {
      // Templates end each turn with their own markers (and start with BOS where they want it).
      return template.render(doc.messages, special);
    } catch (e) {
      throw new Error(`${doc.origin}: rendering with ${options.templateLabel ?? 'the chat template'} failed: ${(e as Error).message}`);
    }
  });
}

export function assembleCalibrationStream(documents: readonly CalibrationDocument[], tokenizer: CalibrationTokenizer, options: AssembleOptions = {}): CalibrationStream {
  const texts = renderCalibrationTexts(documents, tokenizer.special, options);
  const tokens: number[] = [];
  const documentTokens: number[] = [];
  if (tokenizer.bos !== null) tokens.push(tokenizer.bos);
  texts.forEach((text, i) => {
    let ids = tokenizer.encode(text);
    // A template that writes BOS itself (Llama 3, Gemma) would give BOS BOS at the very start
    // (llama.cpp warns about it; transformers avoids it): keep one.
    if (i === 0 && tokenizer.bos !== null && ids[0] === tokenizer.bos) ids = ids.slice(1);
    for (const id of ids) tokens.push(id);
    documentTokens.push(ids.length);
  });
  return { tokens, documentTokens };
}

/** The sequences a forward pass sees: llama-imatrix's chunks of the stream. */
export function calibrationSequences(stream: CalibrationStream, contextSize: number, bos: number | null, maxChunks?: number): number[][] {
  return chunkTokens(stream.tokens, { contextSize, maxChunks, bos }, 'calibration corpus');
}
