// The project's default calibration set (public/calibration/default.jsonl) and its manifest:
// counts per category and language, and the file's sha256, which the imatrix records in
// imatrix.datasets so a file says exactly which text it was computed on.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { CalibrationDocument } from './corpus.ts';

export const DEFAULT_SET_FILE = 'calibration/default.jsonl';
export const DEFAULT_SET_MANIFEST = 'calibration/manifest.json';

export interface CorpusCounts {
  documents: number;
  conversations: number;
  texts: number;
  /** Document count per category ("none" for documents without one). */
  categories: Record<string, number>;
  /** Document count per human language. */
  languages: Record<string, number>;
  /** Code documents per programming language. */
  code: Record<string, number>;
}

export interface CalibrationManifest extends CorpusCounts {
  name: string;
  file: string;
  bytes: number;
  sha256: string;
  license: string;
}

function countInto(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

/** Keys sorted, so the manifest does not change with line order. */
function sorted(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function countCorpus(documents: readonly CalibrationDocument[]): CorpusCounts {
  const categories: Record<string, number> = {};
  const languages: Record<string, number> = {};
  const code: Record<string, number> = {};
  for (const d of documents) {
    countInto(categories, d.category ?? 'none');
    countInto(languages, d.lang ?? 'none');
    if (d.code !== undefined) countInto(code, d.code);
  }
  const conversations = documents.filter((d) => d.kind === 'chat').length;
  return {
    documents: documents.length, conversations, texts: documents.length - conversations,
    categories: sorted(categories), languages: sorted(languages), code: sorted(code),
  };
}

export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

/** The manifest a set's bytes and documents call for (the committed manifest must equal it). */
export function calibrationManifest(bytes: Uint8Array, documents: readonly CalibrationDocument[]): CalibrationManifest {
  return {
    name: 'quant-studio default calibration set',
    file: 'default.jsonl',
    bytes: bytes.byteLength,
    sha256: sha256Hex(bytes),
    license: 'part of quant-studio, under the project licence (see LICENSE in this folder)',
    ...countCorpus(documents),
  };
}

/** Refuses a default set whose bytes are not the ones the manifest describes. */
export function checkDefaultSetBytes(bytes: Uint8Array, manifest: CalibrationManifest, label = DEFAULT_SET_FILE): void {
  const actual = sha256Hex(bytes);
  if (actual !== manifest.sha256 || bytes.byteLength !== manifest.bytes) {
    throw new Error(`${label}: sha256 ${actual} (${bytes.byteLength} bytes) does not match the manifest's ${manifest.sha256} (${manifest.bytes} bytes)`);
  }
}

/** The imatrix.datasets entry (llama-quantize keeps 127 bytes of it: this is under 100). */
export function defaultSetDatasetName(manifest: CalibrationManifest): string {
  return `${DEFAULT_SET_FILE} sha256:${manifest.sha256}`;
}
