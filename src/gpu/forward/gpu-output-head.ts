// The output head on the GPU: final norm, logits for at most OUTPUT_ROWS positions at a time
// (the logits buffer is rows × vocab floats), read back and handed to onLogits in order.
import { outputNormTensor } from '../../core/forward/forward-model.ts';
import type { ForwardModel, ForwardRequest } from '../../core/forward/forward-types.ts';
import type { DispatchRecorder } from './forward-kernels.ts';
import { matmulRows, rmsNormRows } from './forward-ops.ts';
import { releaseGpuWeight, type GpuWeight, type GpuWeightSource, type GpuWeightUploader } from './gpu-weights.ts';

const OUTPUT_ROWS = 64;

export interface OutputHeadArgs {
  device: GPUDevice;
  rec: DispatchRecorder;
  uploader: GpuWeightUploader;
  source: GpuWeightSource;
  model: ForwardModel;
  hidden: GPUBuffer;
  spans: readonly { start: number; length: number }[];
  request: ForwardRequest;
  placeholder: GPUBuffer;
}

export async function runGpuOutputHead(a: OutputHeadArgs): Promise<void> {
  const { device, rec, model, request } = a;
  const hp = model.hparams;
  const E = hp.embedding;
  const vocab = hp.vocabSize;
  const normTensor = outputNormTensor(model);
  const outTensor = model.tensors.get('output.weight') ?? model.tensors.get('token_embd.weight');
  if (!outTensor) throw new Error('GpuForward: the model has no output head (output.weight or token_embd.weight)');
  const { STORAGE, COPY_SRC, COPY_DST, MAP_READ } = GPUBufferUsage;
  let norm: GpuWeight | undefined;
  let output: GpuWeight | undefined;
  const x = device.createBuffer({ label: 'GpuForward.outputX', size: OUTPUT_ROWS * E * 4, usage: STORAGE });
  const logits = device.createBuffer({ label: 'GpuForward.logits', size: OUTPUT_ROWS * vocab * 4, usage: STORAGE | COPY_SRC });
  const readback = device.createBuffer({ label: 'GpuForward.logitsReadback', size: OUTPUT_ROWS * vocab * 4, usage: MAP_READ | COPY_DST });
  try {
    norm = await a.uploader.upload(normTensor, a.source);
    output = await a.uploader.upload(outTensor, a.source);
    if (output.rows !== vocab || output.cols !== E) throw new Error(`GpuForward: output head "${outTensor.ggufName}" is [${output.cols}, ${output.rows}], expected [${E}, ${vocab}]`);
    for (const [s, span] of a.spans.entries()) {
      const from = Math.max(0, request.outputFrom?.(s) ?? 0);
      for (let p0 = from; p0 < span.length; p0 += OUTPUT_ROWS) {
        const n = Math.min(OUTPUT_ROWS, span.length - p0);
        await rmsNormRows(rec, { src: a.hidden, srcOffset: (span.start + p0) * E, rows: n, cols: E, weight: norm, dst: x, dstOffset: 0, eps: hp.rmsEps, accumulate: false });
        await matmulRows(rec, { x, xOffset: 0, rows: n, weight: output, y: logits, yOffset: 0, outStride: vocab, accumulate: false, softcap: hp.finalSoftcap, scale: hp.logitScale ?? 1, placeholder: a.placeholder });
        rec.copy(logits, 0, readback, 0, n * vocab * 4);
        rec.submit();
        await readback.mapAsync(GPUMapMode.READ, 0, n * vocab * 4);
        const values = new Float32Array(readback.getMappedRange(0, n * vocab * 4));
        try {
          for (let i = 0; i < n; i++) request.onLogits!(s, p0 + i, values.subarray(i * vocab, (i + 1) * vocab));
        } finally {
          readback.unmap();
        }
      }
    }
  } finally {
    releaseGpuWeight(norm);
    releaseGpuWeight(output);
    x.destroy();
    logits.destroy();
    readback.destroy();
  }
}
