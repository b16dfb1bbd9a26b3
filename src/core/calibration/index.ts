// Calibration corpora: JSONL conversations and text, rendered with the model's chat template,
// tokenized and chunked as llama-imatrix chunks.
export * from './corpus.ts';
export { parseCalibrationJsonl } from './parse-jsonl.ts';
export { compileChatTemplate, chatTemplateFromMetadata, renderPlainConversation, type TemplateSpecialTokens } from './chat-template.ts';
export { loadCalibrationTokenizer, specialTokenStrings, type CalibrationTokenizer } from './calibration-tokenizer.ts';
export { assembleCalibrationStream, calibrationSequences, renderCalibrationTexts, type AssembleOptions, type CalibrationStream } from './assemble.ts';
export * from './default-set.ts';
