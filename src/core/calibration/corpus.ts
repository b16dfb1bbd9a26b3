// A calibration corpus: the documents whose activations the importance matrix (and later the
// KL evaluation) is measured on. A document is either plain text or a chat conversation that is
// rendered with the model's own chat template before tokenization.

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** What a document is about; the default set is balanced over these. */
export type CalibrationCategory = 'chat' | 'prose' | 'code' | 'math';

/** Descriptive fields a JSONL line may carry; they never reach the model. */
export interface DocumentInfo {
  category?: CalibrationCategory;
  /** Human language, a BCP 47 tag such as "en" or "zh". */
  lang?: string;
  /** Programming language of a code document, e.g. "python". */
  code?: string;
  /** Where the document came from, for error messages: "file.jsonl:12". */
  origin: string;
}

export type CalibrationDocument =
  | (DocumentInfo & { kind: 'text'; text: string })
  | (DocumentInfo & { kind: 'chat'; messages: ChatMessage[] });

export interface CalibrationCorpus {
  /** Names recorded in the imatrix's imatrix.datasets, one per source. */
  datasets: string[];
  documents: CalibrationDocument[];
}

export const CHAT_ROLES: readonly ChatRole[] = ['system', 'user', 'assistant'];
export const CALIBRATION_CATEGORIES: readonly CalibrationCategory[] = ['chat', 'prose', 'code', 'math'];
