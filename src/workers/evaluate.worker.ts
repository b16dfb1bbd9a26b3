// The evaluate worker: owns its own GPUDevice and runs the studio's evaluation (base model's
// safetensors, from a folder or the Hub, against the exported GGUF: llama-perplexity
// --kl-divergence statistics on the GPU forward) and prepares calibration data (tokenizer and
// chat template) for the calibrate worker.
import { releaseProxies } from './release-proxies.ts';
import { CancelledError } from '../core/cancellation.ts';
import * as Comlink from 'comlink';
import { forwardModelFromGguf, forwardModelFromPlan } from '../core/forward/forward-model.ts';
import type { ForwardModel, WeightSource } from '../core/forward/forward-types.ts';
import { loadTextTokenizer } from '../core/forward/tokenize.ts';
import { ggufWeights, planWeights } from '../core/forward/weights.ts';
import { readGgufInfo } from '../core/gguf/read-gguf.ts';
import { planModel } from '../core/model/plan-model.ts';
import { ggufGpuWeights } from '../gpu/forward/gguf-gpu-weights.ts';
import { planGpuWeights } from '../gpu/forward/plan-gpu-weights.ts';
import type { GpuForward } from '../gpu/forward/gpu-forward.ts';
import type { GpuWeightSource } from '../gpu/forward/gpu-weights.ts';
import { blobByteSource, type NamedBlob } from '../io/blob-files.ts';
import type { DownloadEvent } from './hub-session.ts';
import { openWorkerModelFiles, type WorkerModelSource } from './model-source.ts';
import { prepareCalibrationData, type CalibrationData, type CalibrationDataRequest } from './calibration-data.ts';
import { lazyGpuForward } from './lazy-gpu-forward.ts';
import { forwardKld, type ForwardKldResult, type KldProgress, type KldSide } from './forward-kld.ts';
import type { KldReport } from '../core/eval/kld-report.ts';
import { greedyAgreement, greedyContinuations, parsePrompts, type GreedyAgreement } from '../core/eval/greedy-agreement.ts';
import { deviceChooser, type AnalysisDevice } from './analysis-device.ts';
import type { BackendPreference } from './export.worker.ts';
import { runForward } from '../core/forward/run-forward.ts';
import { yieldBetweenLayers } from './layer-yield.ts';

export type { CalibrationCheckpoint, CalibrationProgress } from '../gpu/forward/gpu-imatrix.ts';
export type { ImatrixStats } from '../core/imatrix/imatrix-stats.ts';
export type { CalibrationData, CalibrationDataRequest, DownloadEvent, ForwardKldResult, KldProgress, WorkerModelSource };

/** A held-out text under its domain's name ("prose", "code.txt"). */
export interface EvaluationDomainText {
  name: string;
  text: string;
}

export interface EvaluateRequest {
  text: string;
  /** The domain `text` stands for (default "held-out text"). */
  textName?: string;
  /** More held-out texts, each its own domain, measured after `text` with the same models loaded. */
  otherDomains?: readonly EvaluationDomainText[];
  contextSize: number;
  maxChunks: number;
  /** Greedy-continuation agreement on these prompts (one per line), `tokens` generated per prompt. */
  greedy?: { prompts: string; tokens: number };
  /** The forward both models run on (chooseDevice's kind); default 'gpu'. */
  device?: 'cpu' | 'gpu';
}

export interface EvaluationProgress extends KldProgress {
  /** The domain being measured (1-based) of how many, and its name. */
  domain: { index: number; count: number; name: string };
  /** While the greedy continuations run: the base model's token step, or the quantized model's pass. */
  greedy?: { stage: 'base' | 'quant'; step: number; steps: number };
  /** Tokens through both models so far per second, and the time left at that rate. */
  tokensPerSecond: number;
  etaSeconds: number | null;
}

/** One domain's figures (llama-perplexity's statistics on that text). */
export interface DomainEvaluation {
  name: string;
  report: KldReport;
  chunks: number;
  tokens: number;
}

/** The first domain's full result (its charts' data), and every domain's figures in request order. */
export interface EvaluationResult extends ForwardKldResult {
  tokens: number;
  seconds: number;
  domains: DomainEvaluation[];
  greedy?: GreedyAgreement;
}

let running: AbortController | null = null;
/** Settles when the running evaluation has stopped (cancelled or not). */
let finishing: Promise<void> | null = null;

/** The next evaluation makes a new device; the running one fails with the lost device's reason. */
const gpuForward = lazyGpuForward('evaluate.worker', 'the evaluation runs on the GPU', (e) => running?.abort(e));

function side(gpu: GpuForward, model: ForwardModel, weights: WeightSource, signal: AbortSignal, gpuWeights?: GpuWeightSource): KldSide {
  return {
    model,
    run: (request, onLayer) => gpu.run(model, weights, request, { gpuWeights, signal, onLayerDone: (layer) => onLayer(layer + 1) }),
  };
}

/** The CPU reference forward (where WebGPU is a software emulation): yields after each layer so a cancel gets in. */
function cpuSide(model: ForwardModel, weights: WeightSource, signal: AbortSignal): KldSide {
  return {
    model,
    run: (request, onLayer) => runForward(model, weights, request, {
      onLayerDone: async (layer) => {
        await yieldBetweenLayers(signal);
        onLayer(layer + 1);
      },
    }),
  };
}

const chooseDevice = deviceChooser();

const api = {
  /** Tokenizes the calibration data with the model's tokenizer and chat template (headers and JSON only). */
  async prepareCalibration(
    source: WorkerModelSource, request: CalibrationDataRequest, onDownload?: (e: DownloadEvent) => void,
  ): Promise<CalibrationData> {
    const opened = await openWorkerModelFiles(source, { onDownload: onDownload && ((e) => void onDownload(e)) });
    try {
      return await prepareCalibrationData(opened.files, await planModel(opened.files), request);
    } finally {
      await opened.close();
      releaseProxies(onDownload);
    }
  },

  async evaluate(
    source: WorkerModelSource, quantized: NamedBlob, request: EvaluateRequest, onProgress?: (p: EvaluationProgress) => void,
    onDownload?: (e: DownloadEvent) => void,
  ): Promise<EvaluationResult> {
    // A cancelled run stops at its next layer; a new one waits for that instead of failing.
    if (running && !running.signal.aborted) throw new Error('evaluate.worker: an evaluation is already running');
    await finishing?.catch(() => undefined);
    if (running) throw new Error('evaluate.worker: an evaluation is already running');
    const controller = new AbortController();
    running = controller;
    let done!: () => void;
    finishing = new Promise<void>((resolve) => { done = resolve; });
    const started = performance.now();
    let opened: Awaited<ReturnType<typeof openWorkerModelFiles>> | null = null;
    try {
      const onCpu = request.device === 'cpu';
      const gpu = onCpu ? null : await gpuForward();
      opened = await openWorkerModelFiles(source, { onDownload: onDownload && ((e) => void onDownload(e)), signal: controller.signal });
      const files = opened.files;
      const plan = await planModel(files);
      const tokenizer = await loadTextTokenizer(files);
      const quantBytes = blobByteSource(quantized.path, quantized.blob);
      const info = await readGgufInfo(quantBytes);
      const baseModel = forwardModelFromPlan(plan);
      const quantModel = forwardModelFromGguf(info, quantized.path);
      const quantWeights = await ggufWeights(quantBytes, info);
      // On the GPU both sides are read as stored: the model's BF16/F16 halves, the GGUF's blocks
      // decoded on the GPU. On the CPU both go through the f32 reference weights.
      const base = gpu
        ? side(gpu, baseModel, planWeights(plan, files), controller.signal, planGpuWeights(plan, files))
        : cpuSide(baseModel, planWeights(plan, files), controller.signal);
      const quant = gpu
        ? side(gpu, quantModel, quantWeights, controller.signal, ggufGpuWeights(quantBytes, info))
        : cpuSide(quantModel, quantWeights, controller.signal);
      const texts = [{ name: request.textName ?? 'held-out text', text: request.text }, ...(request.otherDomains ?? [])];
      const tokenized = texts.map((t) => ({ name: t.name, tokens: tokenizer.encode(t.text) }));
      const prompts = request.greedy ? parsePrompts(request.greedy.prompts, (t) => tokenizer.encode(t), 'the prompts') : null;
      // Each domain is a share of the bar, and the greedy continuations one more.
      const shares = tokenized.length + (prompts ? 1 : 0);
      let lastSent = 0;
      // Rates from the first report on: reading the models and making the device are not the
      // forward's pace (they made the first estimates several times too long).
      let first: { at: number; fraction: number } | null = null;
      const results: ForwardKldResult[] = [];
      for (const [d, domain] of tokenized.entries()) {
        if (controller.signal.aborted) throw controller.signal.reason;
        const result = await forwardKld(base, quant, domain.tokens, {
          contextSize: request.contextSize, maxChunks: request.maxChunks, bos: tokenizer.bos,
          onProgress: (p) => {
            if (controller.signal.aborted) return;
            const now = performance.now();
            // Domains count equally in the bar (each has at most maxChunks chunks).
            const fraction = (d + p.fraction) / shares;
            first ??= { at: now, fraction };
            if (now - lastSent < 100 && fraction < 1) return;
            lastSent = now;
            const seconds = (now - first.at) / 1000;
            const gained = fraction - first.fraction;
            const tokensDone = gained * shares * 2 * p.chunksTotal * request.contextSize;
            const rate = seconds > 0 ? tokensDone / seconds : 0;
            onProgress?.({
              ...p, fraction, domain: { index: d + 1, count: tokenized.length, name: domain.name },
              tokensPerSecond: rate, etaSeconds: gained > 0 && seconds > 0 ? (seconds * (1 - fraction)) / gained : null,
            });
          },
        });
        results.push(result);
      }
      const domains = results.map((r, i) => ({ name: tokenized[i]!.name, report: r.report, chunks: r.chunks, tokens: tokenized[i]!.tokens.length }));
      let greedy: GreedyAgreement | undefined;
      if (prompts && request.greedy) {
        const steps = request.greedy.tokens;
        const report = (stage: 'base' | 'quant', step: number) => {
          if (controller.signal.aborted) return;
          const fraction = (tokenized.length + (stage === 'base' ? step / (steps + 1) : (steps + step) / (steps + 1))) / shares;
          onProgress?.({
            stage, chunksDone: 0, chunksTotal: 0, fraction, domain: { index: tokenized.length, count: tokenized.length, name: 'greedy continuations' },
            greedy: { stage, step, steps }, tokensPerSecond: 0, etaSeconds: null,
          });
        };
        const runner = (s: KldSide) => ({ model: s.model, run: (req: Parameters<KldSide['run']>[0]) => s.run(req, () => undefined) });
        report('base', 0);
        const continuations = await greedyContinuations(runner(base), prompts, steps, { eos: tokenizer.eos, onProgress: (done) => report('base', done) });
        if (controller.signal.aborted) throw controller.signal.reason;
        report('quant', 0);
        greedy = await greedyAgreement(runner(quant), continuations);
        report('quant', 1);
      }
      return { ...results[0]!, tokens: domains[0]!.tokens, seconds: (performance.now() - started) / 1000, domains, ...(greedy ? { greedy } : {}) };
    } finally {
      await opened?.close();
      if (running === controller) running = null;
      done();
      releaseProxies(onProgress, onDownload);
    }
  },

  /** Where evaluations with this preference run ('auto': export's rule). */
  chooseDevice(preference: BackendPreference = 'auto'): Promise<AnalysisDevice> {
    return chooseDevice(preference);
  },

  /** Stops the running evaluation at the next layer; evaluate() then rejects. */
  cancel(): void {
    running?.abort(new CancelledError('The evaluation was cancelled'));
  },
};

export type EvaluateWorkerApi = typeof api;

Comlink.expose(api);
