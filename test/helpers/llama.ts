// llama.cpp as the oracle, through node-llama-cpp (pinned at 3.21.1), fully offline: the prebuilt
// CPU binary that ships in @node-llama-cpp/linux-x64, never a download or a build.
import type { Llama, LlamaModel } from 'node-llama-cpp';

let llamaPromise: Promise<Llama> | null = null;

export function getOfflineLlama(): Promise<Llama> {
  process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = 'true';
  llamaPromise ??= import('node-llama-cpp').then(({ getLlama, LlamaLogLevel }) =>
    getLlama({ gpu: false, build: 'never', usePrebuiltBinaries: true, skipDownload: true, logLevel: LlamaLogLevel.error }),
  );
  return llamaPromise;
}

function vocabSize(model: LlamaModel): number {
  const tokens = (model.fileInfo.metadata as unknown as { tokenizer?: { ggml?: { tokens?: readonly unknown[] } } }).tokenizer?.ggml?.tokens;
  if (!tokens) throw new Error('model has no tokenizer.ggml.tokens');
  return tokens.length;
}

/**
 * The full next-token distribution after every token of `tokens` (plain softmax: node-llama-cpp's
 * default greedy sampler reports the model's probabilities unchanged).
 */
export async function nextTokenDistributions(model: LlamaModel, tokens: readonly number[]): Promise<Float32Array[]> {
  const size = Math.max(256, tokens.length + 8);
  const context = await model.createContext({ contextSize: size, batchSize: size });
  try {
    const sequence = context.getSequence();
    const input = tokens.map((t) => [t, { generateNext: { probabilities: true } }] as [number, { generateNext: { probabilities: true } }]);
    const results = await sequence.controlledEvaluate(input as never);
    const n = vocabSize(model);
    return (results as Array<{ next?: { probabilities?: Map<number, number> } } | undefined>).map((r, i) => {
      const probs = r?.next?.probabilities;
      if (!probs) throw new Error(`no probabilities at position ${i}`);
      const out = new Float32Array(n);
      for (const [token, p] of probs) out[token] = p;
      return out;
    });
  } finally {
    await context.dispose();
  }
}

/** KL(p || q) in nats, skipping p's zero entries as the definition does. */
export function klDivergence(p: Float32Array, q: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]!;
    if (pi > 0) sum += pi * Math.log(pi / Math.max(q[i]!, 1e-30));
  }
  return sum;
}
