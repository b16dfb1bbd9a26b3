// "Publish to the Hub": the last export's GGUFs (the export worker's OPFS copies, disk-backed Files,
// so nothing is read whole into memory; a split file as its parts), the importance matrix they
// used, a dynamic recipe and a generated model card, in one commit, pushed by the publish worker with the Hub form's token and
// endpoint. Nothing is committed unless every file was uploaded (pushToHub).
import * as Comlink from 'comlink';
import { version } from '../../package.json';
import { isCancellation } from '../core/cancellation.ts';
import type { ModelCardKld } from '../io/hub/model-card.ts';
import { checkPushRepo } from '../io/hub/push-files.ts';
import type { PublishWorkerApi, PushProgress, PushRetry } from '../workers/protocol.ts';
import { exportWorker } from './export-client.ts';
import { lastExportInputs } from './export-inputs.ts';
import { modelIdentity } from './model-identity.ts';
import {
  baseModelProblem, foldProgress, initialProgress, plannedContents, publishErrorText, publishFiles, type PublishProgress,
} from './publish-plan.ts';
import { usePublish, type PublishState } from './publish-state.ts';
import { useStudio, type StudioState } from './store.ts';

let client: Comlink.Remote<PublishWorkerApi> | null = null;
/** The publish in progress (one at a time). */
let running: { cancelled: boolean } | null = null;

function publishWorker(): Comlink.Remote<PublishWorkerApi> {
  client ??= Comlink.wrap<PublishWorkerApi>(
    new Worker(new URL('../workers/publish.worker.ts', import.meta.url), { type: 'module', name: 'publish' }),
  );
  return client;
}

export function editPublish(patch: Partial<Pick<PublishState, 'repo' | 'private' | 'baseModel'>>): void {
  usePublish.setState({ ...patch, ...('baseModel' in patch ? { baseModelEdited: true } : {}) });
}

/** The base model shown: the user's, else the opened Hub repo's id. */
export function baseModelOf(publish: Pick<PublishState, 'baseModel' | 'baseModelEdited'>, source: StudioState['source']): string {
  if (publish.baseModelEdited) return publish.baseModel;
  return source.kind === 'hub' && source.pin ? source.pin.repo : publish.baseModel;
}

/** The last export's inputs when they are of the export shown, of the model open now. */
function shownExportInputs(state: StudioState) {
  const inputs = lastExportInputs();
  return state.exportJob.phase === 'done' && inputs && inputs.shown === state.exportJob.fileName && inputs.model === modelIdentity(state.source) ? inputs : null;
}

/** Why the Publish button cannot run now, or null. */
export function publishBlocker(state: StudioState, publish: PublishState): string | null {
  if (state.exportJob.phase !== 'done') return 'export a GGUF first';
  if (!shownExportInputs(state)) return 'export a GGUF of this model first';
  if (!publish.repo.trim()) return 'give the repository to publish to (owner/name)';
  try {
    checkPushRepo(publish.repo.trim());
  } catch (e) {
    return (e as Error).message;
  }
  const base = baseModelProblem(baseModelOf(publish, state.source));
  if (base) return base;
  if (!state.hubForm.token.trim()) return 'give a write token (hf_…) for the endpoint';
  return null;
}

/** What the next publish would hold, in words; null before an export of the open model. */
export function publishContents(state: StudioState): string[] | null {
  const inputs = shownExportInputs(state);
  if (!inputs) return null;
  const names = inputs.files.map((f) => (f.partNames ? `${f.name} (as ${f.partNames.length} files)` : f.name));
  return plannedContents({ ggufs: names, dynamic: inputs.dynamic, ...(inputs.made.imatrix ? { imatrix: inputs.made.imatrix } : {}), kld: !!measuredKld(state, inputs.files[0]!.name) });
}

/** The evaluation's KL divergence, when it measured this very file of this model. */
function measuredKld(state: StudioState, fileName: string): ModelCardKld | undefined {
  const e = state.evaluation;
  if (e.phase !== 'done' || !e.result || e.fileName !== fileName || e.model !== modelIdentity(state.source)) return undefined;
  const r = e.result.report;
  const domains = e.result.domains.length > 1
    ? { domains: e.result.domains.map((d) => ({ name: d.name, mean: d.report.kld.mean.value, p99_9: d.report.kld.p99_9, sameTop: d.report.sameTop.value })) }
    : {};
  return {
    mean: r.kld.mean.value, median: r.kld.median, p99: r.kld.p99, sameTop: r.sameTop.value,
    on: `${e.result.chunks} chunks of ${e.result.contextSize} tokens of ${e.result.domains[0]!.name}`, ...domains,
  };
}

/**
 * Folds every event (the per-file counts need each one) and shows a few a second, the latest
 * always shown in the end (a trailing update), and only while `job` is the running publish.
 */
function progressSink(files: PublishProgress, job: object): { onProgress: (p: PushProgress) => void; latest: () => PublishProgress } {
  let folded = files;
  let shownKey = '';
  let lastShown = -Infinity;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const show = () => {
    timer = null;
    if (running !== job) return;
    lastShown = performance.now();
    shownKey = `${folded.phase}:${folded.current}`;
    usePublish.setState({ progress: folded });
  };
  return {
    onProgress(p) {
      folded = foldProgress(folded, p);
      if (`${folded.phase}:${folded.current}` !== shownKey || performance.now() - lastShown >= 100) {
        if (timer) clearTimeout(timer);
        show();
      } else {
        timer ??= setTimeout(show, 100);
      }
    },
    latest: () => folded,
  };
}

export async function startPublish(): Promise<void> {
  const state = useStudio.getState();
  const publish = usePublish.getState();
  if (running || publish.phase === 'running' || publish.phase === 'preparing') return;
  const blocker = publishBlocker(state, publish);
  if (blocker) {
    usePublish.setState({ phase: 'error', error: `Nothing was published: ${blocker}`, result: null });
    return;
  }
  const job = { cancelled: false };
  running = job;
  const repo = publish.repo.trim();
  const baseModel = baseModelOf(publish, state.source).trim();
  usePublish.setState({ phase: 'preparing', progress: null, notice: null, result: null, error: null });
  let sink: ReturnType<typeof progressSink> | null = null;
  try {
    const inputs = shownExportInputs(state)!;
    const { files: kept, problem } = await exportWorker().exportedFiles();
    if (!kept || kept.length !== inputs.files.length || kept.some((k, i) => k.name !== inputs.files[i]!.name)) {
      throw new Error(`${inputs.shown}: the exported files are not kept in this browser (${problem ?? 'export again'})`);
    }
    const recipe = await inputs.recipe;
    const kld = measuredKld(useStudio.getState(), kept[0]!.name);
    const pin = state.source.kind === 'hub' ? state.source.pin : null;
    const ggufs = inputs.files.map(({ partNames: _, isRecipe, ...level }, i) => ({
      ...level, blob: kept[i]!.blob, parts: kept[i]!.parts,
      // The recipe's files and the evaluation belong to the first file, the studio's recipe.
      ...(isRecipe && recipe ? { recipe } : {}), ...(i === 0 && kld ? { kld } : {}),
    }));
    const files = publishFiles(
      { ...inputs.made, ggufs },
      { repo, baseModel, tool: `quant-studio ${version}`, ...(pin && pin.repo === baseModel ? { baseModelRevision: pin.commit } : {}) },
    );
    if (job.cancelled) return;
    const progress = initialProgress(files);
    sink = progressSink(progress, job);
    usePublish.setState({ phase: 'running', progress });
    const { hubForm } = useStudio.getState();
    const result = await publishWorker().publish(
      { repo, token: hubForm.token.trim(), endpoint: hubForm.endpoint.trim(), private: publish.private, files, commitTitle: `Upload ${ggufs.map((g) => g.name).join(', ')} with quant-studio` },
      Comlink.proxy(sink.onProgress),
      Comlink.proxy((r: PushRetry) => usePublish.setState({ notice: `retrying ${r.path} in ${(r.delayMs / 1000).toFixed(1)} s (attempt ${r.attempt}: ${r.reason})` })),
    );
    usePublish.setState((s) => ({
      phase: 'done', notice: null, result: { ...result, files: files.map((f) => f.path) },
      progress: s.progress ? foldProgress(s.progress, { phase: 'done', hashedBytes: s.progress.totalBytes, uploadedBytes: s.progress.totalBytes, totalBytes: s.progress.totalBytes }) : null,
    }));
  } catch (e) {
    // Where each file had got to stays on the panel.
    const progress = sink?.latest() ?? null;
    if (job.cancelled || isCancellation(e)) usePublish.setState({ phase: 'cancelled', progress, notice: null, error: null });
    else usePublish.setState({ phase: 'error', progress, notice: null, error: publishErrorText((e as Error).message) });
  } finally {
    if (running === job) running = null;
  }
}

export function cancelPublish(): void {
  if (!running || running.cancelled) return;
  running.cancelled = true;
  void publishWorker().cancel();
}
