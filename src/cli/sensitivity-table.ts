// The sensitivity table `plan` and `compare` allocate from: read from the --sensitivity cache when
// it was made for this model, text, imatrix, candidates and mode, else measured (in threads for a
// folder) and written to the cache whole. Measuring is the slow part; every size and every mix
// compared is then allocated from the one table.
import { readFile, stat } from 'node:fs/promises';
import { hashImportance, hashTokenSequences, planFingerprint } from '../core/dynamic/content-hash.ts';
import { measureSensitivity } from '../core/dynamic/measure-sensitivity.ts';
import { checkTableFitsPlan, parseSensitivityTable, sensitivityCacheKey, type MeasureMode, type SensitivityTable } from '../core/dynamic/sensitivity-types.ts';
import type { ModelFiles } from '../core/bytes-io.ts';
import { chunkTokens } from '../core/forward/chunks.ts';
import { forwardModelFromPlan } from '../core/forward/forward-model.ts';
import { loadTextTokenizer } from '../core/forward/tokenize.ts';
import { planWeights } from '../core/forward/weights.ts';
import type { GgmlTypeName } from '../core/ggml-type.ts';
import type { ImportanceMatrix } from '../core/imatrix/imatrix-types.ts';
import type { ModelPlan } from '../core/model/plan-types.ts';
import { withOutputFiles } from '../io/node-sink.node.ts';
import type { Backend } from './backend.ts';
import { inputFailure } from './cli-error.ts';
import { measureSensitivityInThreads } from './parallel-sensitivity.ts';

export interface SensitivityRequest {
  /** The model source as given (a folder, a .gguf file or hf://…). */
  source: string;
  files: ModelFiles;
  plan: ModelPlan;
  backend: Backend;
  imatrix: ImportanceMatrix | null;
  /**
   * Calibration texts; the last `chunkCounts[i]` chunks of text i are measured on (one count for
   * all: the domains weigh equally in the allocation, however long each text is; several: their
   * weights, as the sensitivity is a mean over every measured position).
   */
  textFiles: readonly string[];
  contextSize: number;
  chunkCounts: readonly number[];
  /** Chunks per text the whole recipes are checked on (the same rule as chunkCounts); default: chunkCounts. */
  checkChunkCounts?: readonly number[];
  candidates: readonly GgmlTypeName[];
  measure: MeasureMode;
  cacheFile?: string;
  threads: number;
}

export interface SensitivityResult {
  table: SensitivityTable;
  /** How the model is named in recipes: its Hub address, or its content's fingerprint. */
  modelId: string;
  fingerprint: string;
  calibrationHash: string | null;
  imatrixHash: string | null;
  /** The token sequences the table was measured on. */
  sequences: number[][];
  /** Those whole recipes are checked on (the last checkChunkCounts chunks of each text). */
  checkSequences: number[][];
  /**
   * The requested candidates when the table (a cached one measured on more types) holds others:
   * the allocation is limited to these. Undefined when the table holds just the requested ones.
   */
  allowed?: GgmlTypeName[];
}

/** A cached table serves a request whose candidates it measured, among others (every-size serves the default set). */
function servesRequest(cached: SensitivityTable['key'], wanted: SensitivityTable['key']): boolean {
  const sameInputs = sensitivityCacheKey({ ...cached, candidates: [] }) === sensitivityCacheKey({ ...wanted, candidates: [] });
  return sameInputs && wanted.candidates.every((t) => cached.candidates.includes(t));
}

export async function sensitivityTable(r: SensitivityRequest): Promise<SensitivityResult> {
  const fingerprint = planFingerprint(r.plan);
  const modelId = r.source.startsWith('hf://') ? r.source : `folder:${fingerprint}`;
  const sequences: number[][] = [];
  const checkSequences: number[][] = [];
  if (r.textFiles.length) {
    const tokenizer = await loadTextTokenizer(r.files);
    for (const [i, file] of r.textFiles.entries()) {
      const text = await readFile(file, 'utf8').catch(inputFailure(`--text ${file}`));
      // The last chunks of each text: a calibration file's head usually fed the imatrix.
      const chunks = chunkTokens(tokenizer.encode(text), { contextSize: r.contextSize, bos: tokenizer.bos }, `--text ${file}`);
      const countOf = (counts: readonly number[]) => counts[i] ?? counts[0]!;
      sequences.push(...chunks.slice(-countOf(r.chunkCounts)));
      checkSequences.push(...chunks.slice(-countOf(r.checkChunkCounts ?? r.chunkCounts)));
    }
  }
  const key = { model: modelId, calibration: r.textFiles.length ? hashTokenSequences(sequences) : null, imatrix: r.imatrix ? hashImportance(r.imatrix.entries) : null };
  const wanted = { ...key, candidates: [...r.candidates], measure: r.measure };
  const result = (table: SensitivityTable): SensitivityResult => ({
    table, modelId, fingerprint, calibrationHash: key.calibration, imatrixHash: key.imatrix, sequences, checkSequences,
    ...(table.key.candidates.every((t) => r.candidates.includes(t)) ? {} : { allowed: [...r.candidates] }),
  });
  if (r.cacheFile && (await stat(r.cacheFile).catch(() => null))) {
    const cached = parseSensitivityTable(await readFile(r.cacheFile, 'utf8'), r.cacheFile);
    if (servesRequest(cached.key, wanted)) {
      checkTableFitsPlan(cached, r.plan, r.cacheFile);
      return result(cached);
    }
    process.stderr.write(`${r.cacheFile}: made for another model, text, imatrix or candidate list; measuring again\n`);
  }
  const started = performance.now();
  const report = (done: number, total: number, what = '') => { if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2Ksensitivity ${done}/${total} ${what}`); };
  // A folder is read by every thread itself; a Hub model would be downloaded once per thread.
  const threads = r.source.startsWith('hf://') || r.measure === 'none' ? 1 : r.threads;
  const imatrix = r.imatrix?.entries ?? null;
  const table = threads > 1
    ? await measureSensitivityInThreads(r.plan, { folder: r.source, imatrix, sequences, key, candidates: [...r.candidates], measure: r.measure }, threads, report)
    : await measureSensitivity({
      plan: r.plan, model: forwardModelFromPlan(r.plan), weights: planWeights(r.plan, r.files), quantizer: r.backend.quantizer,
      imatrix, sequences, key, candidates: r.candidates, measure: r.measure,
      onProgress: (p) => report(p.done, p.total, `${p.stage} ${p.tensor ?? ''} ${p.type ?? ''}`),
    });
  process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}sensitivity measured in ${((performance.now() - started) / 1000).toFixed(1)} s on ${threads} thread${threads === 1 ? '' : 's'}\n`);
  // A cache, kept (written whole) even if what follows fails: measuring is the slow part.
  const cacheFile = r.cacheFile;
  if (cacheFile) await withOutputFiles([cacheFile], (cache) => cache.write(cacheFile, JSON.stringify(table)));
  return result(table);
}
