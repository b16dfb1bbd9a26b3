// Evaluation after export: the exported GGUF (kept by the export worker in OPFS or memory)
// against the model's own safetensors (the open folder, or the Hub repo at its pinned commit,
// downloaded again by the evaluate worker), on held-out text, in the evaluate worker's GPU forward.
import * as Comlink from 'comlink';
import { create } from 'zustand';
import type { DownloadEvent, EvaluateWorkerApi, EvaluationProgress } from '../workers/protocol.ts';
import { evaluateWorker } from './analysis-clients.ts';
import { EVAL_SAMPLE_NAME, EVAL_SAMPLE_TEXT } from './eval-sample.ts';
import { exportWorker } from './export-client.ts';
import { jobSlot } from './job-slot.ts';
import { exportBackendChoice } from './backend-choice.ts';
import { withDownloadEvent } from './download-progress.ts';
import { evaluationForNewFile } from './model-switch-state.ts';
import { initialDownload, useStudio, type DownloadSlice, type StudioState } from './store.ts';
import { currentWorkerModelSource } from './worker-model-source.ts';
import { modelIdentity } from './model-identity.ts';
import { throttle } from './throttle.ts';
import { saveBytes } from './save-bytes.ts';
import { fileEvaluationJson, fileEvaluationMarkdown, fileEvaluationSvg, type FileEvaluation } from '../core/eval/evaluation-report.ts';

type Evaluation = StudioState['evaluation'];
type Download = DownloadSlice['download'];

/** The bytes of a Hub model the evaluate worker downloads (kept here until the store has a field). */
export const useEvaluationDownload = create<Download>(() => initialDownload);

/** The evaluate worker runs one evaluation of the page at a time. */
const evaluations = jobSlot<Comlink.Remote<EvaluateWorkerApi>>('evaluation');

function setEvaluation(patch: Partial<Evaluation>): void {
  useStudio.setState((s) => ({ evaluation: { ...s.evaluation, ...patch } }));
}

export function setEvaluationSettings(patch: Partial<Pick<Evaluation, 'contextSize' | 'maxChunks' | 'greedyPrompts' | 'greedyTokens'>>): void {
  setEvaluation(patch);
}

export function setEvaluationText(text: string, textName = 'your text'): void {
  setEvaluation({ text, textName });
}

export async function loadEvaluationFile(file: File): Promise<void> {
  setEvaluationText(await file.text(), file.name);
}

/** Each file becomes a domain of its own, named by the file (a name already there is replaced). */
export async function addEvaluationDomains(files: readonly File[]): Promise<void> {
  const added = await Promise.all(files.map(async (f) => ({ name: f.name, text: await f.text() })));
  useStudio.setState((s) => {
    const names = new Set(added.map((d) => d.name));
    return { evaluation: { ...s.evaluation, otherDomains: [...s.evaluation.otherDomains.filter((d) => !names.has(d.name)), ...added] } };
  });
}

export function removeEvaluationDomain(name: string): void {
  useStudio.setState((s) => ({ evaluation: { ...s.evaluation, otherDomains: s.evaluation.otherDomains.filter((d) => d.name !== name) } }));
}

export function restoreSampleText(): void {
  setEvaluationText(EVAL_SAMPLE_TEXT, EVAL_SAMPLE_NAME);
}

/** A new export or model: the running evaluation stops and its downloads are forgotten. */
export function forgetEvaluationJob(): void {
  cancelEvaluation();
  useEvaluationDownload.setState(initialDownload, true);
}

/** A new export: the result described another file. The text and settings stay. */
export function resetEvaluation(): void {
  forgetEvaluationJob();
  useStudio.setState((s) => ({ evaluation: evaluationForNewFile(s.evaluation) }));
}

function downloaded(job: { readonly cancelled: boolean }): (e: DownloadEvent) => void {
  return (e) => {
    if (!job.cancelled) useEvaluationDownload.setState((d) => withDownloadEvent(d, e));
  };
}

function throttled(job: { readonly cancelled: boolean }): (p: EvaluationProgress) => void {
  const update = throttle((p: EvaluationProgress) => setEvaluation({ progress: p }), 100, (p) => p.fraction >= 1);
  return (p) => {
    if (!job.cancelled) update(p);
  };
}

export async function startEvaluation(): Promise<void> {
  const { evaluation } = useStudio.getState();
  if (evaluation.phase === 'running') return;
  const source = currentWorkerModelSource();
  if (!source) {
    setEvaluation({ phase: 'error', error: 'No model is open: the evaluation compares the export with the model it came from' });
    return;
  }
  const job = evaluations.start();
  if (!job) return;
  // The result is labelled with the model it compared against; the page shows it only while that model is open.
  setEvaluation({ phase: 'running', progress: null, result: null, model: modelIdentity(useStudio.getState().source), error: null });
  useEvaluationDownload.setState(initialDownload, true);
  try {
    const { file, problem } = await exportWorker().exportedFile();
    if (!file) throw new Error(`No exported file to evaluate: ${problem ?? 'export the model first'}`);
    // Cancelled while the file was looked up: the worker is never asked.
    const [worker] = job.use([evaluateWorker()]);
    setEvaluation({ fileName: file.name, fileBytes: file.blob.size });
    // Export's rule: the CPU where WebGPU is a software emulation (SwiftShader is many times slower).
    const device = await worker!.chooseDevice(exportBackendChoice());
    if (job.cancelled) return;
    setEvaluation({ device: device.detail });
    const result = await worker!.evaluate(
      source, { path: file.name, blob: file.blob },
      {
        text: evaluation.text, textName: evaluation.textName, otherDomains: evaluation.otherDomains,
        contextSize: evaluation.contextSize, maxChunks: evaluation.maxChunks, device: device.kind,
        ...(evaluation.greedyPrompts.trim() ? { greedy: { prompts: evaluation.greedyPrompts, tokens: evaluation.greedyTokens } } : {}),
      },
      Comlink.proxy(throttled(job)), source.kind === 'hub' ? Comlink.proxy(downloaded(job)) : undefined,
    );
    if (job.cancelled) return;
    setEvaluation({ phase: 'done', result, progress: null });
  } catch (e) {
    // A cancelled run settles later, possibly while a newer one runs: cancelEvaluation already
    // said so, and the page now belongs to the newer run.
    if (!job.cancelled) setEvaluation({ phase: 'error', error: (e as Error).message });
  } finally {
    evaluations.finish(job);
  }
}

export function cancelEvaluation(): void {
  if (evaluations.cancel()) setEvaluation({ phase: 'cancelled', progress: null, error: null });
}

/** The shown result as a model card's evidence (every domain's measures), or null when there is none. */
export function evaluationEvidence(state: StudioState): FileEvaluation | null {
  const { evaluation: e, source } = state;
  if (!e.result || e.model !== modelIdentity(source)) return null;
  return {
    model: source.label, file: e.fileName, bytes: e.fileBytes, bitsPerWeight: null,
    domains: e.result.domains.map((d) => ({ name: d.name, chunks: d.chunks, contextSize: e.result!.contextSize, report: d.report })),
    ...(e.result.greedy ? { greedy: e.result.greedy } : {}),
  };
}

/** Call from a click handler: saves the evidence as <file>.evaluation.md, .json or .svg. */
export async function saveEvaluationEvidence(kind: 'md' | 'json' | 'svg'): Promise<void> {
  const evidence = evaluationEvidence(useStudio.getState());
  if (!evidence) return;
  const text = kind === 'md' ? fileEvaluationMarkdown(evidence)
    : kind === 'svg' ? fileEvaluationSvg(evidence)
    : `${JSON.stringify(fileEvaluationJson(evidence), null, 2)}\n`;
  await saveBytes(new TextEncoder().encode(text), `${evidence.file.replace(/\.gguf$/i, '')}.evaluation.${kind}`);
}
