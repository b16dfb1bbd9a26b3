// The calibration step's data: the default set and the user's own files, rendered (conversations
// with the model's chat template), tokenized and cut into llama-imatrix's chunks. Runs in the
// evaluate worker so the tokenizer never loads on the page.
import type { ModelFiles } from '../core/bytes-io.ts';
import {
  assembleCalibrationStream, calibrationSequences, chatTemplateFromMetadata, checkDefaultSetBytes, defaultSetDatasetName,
  loadCalibrationTokenizer, parseCalibrationJsonl, type CalibrationDocument, type CalibrationManifest,
} from '../core/calibration/index.ts';
import type { ModelPlan } from '../core/model/plan-types.ts';

export interface CalibrationDataRequest {
  /** public/calibration/default.jsonl as fetched, checked against its manifest; null: not used. */
  defaultSet: { bytes: Uint8Array; manifest: CalibrationManifest } | null;
  /** The user's .txt (one document) or .jsonl (conversations and texts) files. */
  userFiles: { name: string; text: string }[];
  contextSize: number;
  maxChunks: number;
}

export interface CalibrationData {
  sequences: number[][];
  /** imatrix.datasets: the user's file names, then the default set with its sha256. */
  datasets: string[];
  /** Tokens in the whole stream and the chunks it could give at this context. */
  streamTokens: number;
  availableChunks: number;
  /** Whether conversations went through the model's own chat template. */
  chatTemplate: boolean;
  warnings: string[];
}

function userDocuments(file: { name: string; text: string }): CalibrationDocument[] {
  if (file.name.toLowerCase().endsWith('.jsonl')) return parseCalibrationJsonl(file.text, file.name);
  if (file.text.trim() === '') throw new Error(`${file.name}: the file is empty`);
  return [{ kind: 'text', text: file.text, origin: file.name }];
}

export async function prepareCalibrationData(files: ModelFiles, plan: ModelPlan, request: CalibrationDataRequest): Promise<CalibrationData> {
  const documents: CalibrationDocument[] = [];
  const datasets: string[] = [];
  for (const file of request.userFiles) {
    documents.push(...userDocuments(file));
    datasets.push(file.name);
  }
  if (request.defaultSet) {
    const { bytes, manifest } = request.defaultSet;
    checkDefaultSetBytes(bytes, manifest);
    documents.push(...parseCalibrationJsonl(new TextDecoder().decode(bytes), 'calibration/default.jsonl'));
    datasets.push(defaultSetDatasetName(manifest));
  }
  if (documents.length === 0) throw new Error('No calibration data: use the default set or add a .txt or .jsonl file');
  const tokenizer = await loadCalibrationTokenizer(files);
  const chatTemplate = chatTemplateFromMetadata(plan.metadata);
  const warnings: string[] = [];
  const stream = assembleCalibrationStream(documents, tokenizer, {
    chatTemplate, templateLabel: `${files.label} chat template`, onWarning: (m) => warnings.push(m),
  });
  const sequences = calibrationSequences(stream, request.contextSize, tokenizer.bos, request.maxChunks);
  return {
    sequences, datasets, streamTokens: stream.tokens.length,
    availableChunks: Math.floor(stream.tokens.length / request.contextSize),
    chatTemplate: chatTemplate !== undefined && documents.some((d) => d.kind === 'chat'), warnings,
  };
}
