// The Node side of the e2e checks: the same model folder exported by the core pipeline on the
// CPU reference quantizer (what the browser's file must equal byte for byte), the mix's
// per-tensor choice, and llama.cpp (node-llama-cpp) loading and evaluating a GGUF.
import { openAsBlob } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

const core = (p) => import(path.resolve(import.meta.dirname, '..', p));

export async function nodePlan(dir) {
  const { nodeModelFiles } = await core('src/io/node-files.node.ts');
  const { planModel } = await core('src/core/model/plan-model.ts');
  const files = await nodeModelFiles(dir);
  try {
    return await planModel(files);
  } finally {
    await files.close();
  }
}

export async function readImatrixFile(file) {
  const { readImatrix } = await core('src/core/imatrix/read-imatrix.ts');
  const { blobByteSource } = await core('src/io/blob-files.ts');
  return readImatrix(blobByteSource(path.basename(file), await openAsBlob(file)));
}

/** llama-quantize's types for `mix` on this folder, as a Map of GGUF name -> type. */
export async function mixTypes(dir, mix, hasImatrix = false) {
  const { chooseMixTypes } = await core('src/core/recipe/llama-mixes.ts');
  return chooseMixTypes(await nodePlan(dir), { mix, hasImatrix });
}

/** The GGUF the CLI pipeline writes for `mix` (optionally with an imatrix file), on the CPU. */
export async function exportMixOnCpu(dir, out, mix, imatrixFile = null) {
  const { nodeModelFiles } = await core('src/io/node-files.node.ts');
  const { nodeFileSink } = await core('src/io/node-sink.node.ts');
  const { planModel } = await core('src/core/model/plan-model.ts');
  const { chooseMixTypes, MIXES } = await core('src/core/recipe/llama-mixes.ts');
  const { exportGguf } = await core('src/core/export/export-gguf.ts');
  const { cpuRowQuantizer } = await core('src/core/quant/cpu-quantizer.ts');
  const { imatrixMetadata } = await core('src/core/imatrix/imatrix-metadata.ts');
  const imatrix = imatrixFile ? await readImatrixFile(imatrixFile) : null;
  const files = await nodeModelFiles(dir);
  try {
    const plan = await planModel(files);
    const types = chooseMixTypes(plan, { mix, hasImatrix: imatrix !== null });
    await exportGguf({
      plan, types, files, quantizer: cpuRowQuantizer, sink: await nodeFileSink(out),
      fileType: MIXES[mix].ftype, imatrix: imatrix?.entries ?? null,
      // The browser only knows the picked file's name, not its path.
      extraMetadata: imatrix ? imatrixMetadata(imatrix, path.basename(imatrixFile)) : [],
    });
  } finally {
    await files.close();
  }
}

/**
 * Loads `file` in llama.cpp and evaluates a TinyStories sentence: returns the next-token
 * distribution after every token (the caller checks them).
 */
export async function evaluateInLlamaCpp(file, text = 'Once upon a time, there was a little girl named Lily. She loved to play outside.') {
  const { getOfflineLlama, nextTokenDistributions } = await core('test/helpers/llama.ts');
  const llama = await getOfflineLlama();
  const model = await llama.loadModel({ modelPath: file });
  try {
    const tokens = model.tokenize(text);
    return { tokens, distributions: await nextTokenDistributions(model, tokens) };
  } finally {
    await model.dispose();
  }
}

/**
 * llama.cpp's legacy imatrix (.dat): entry count, then per entry its name, call count and
 * per-column sums; then the chunk count and the dataset name.
 */
export async function writeLegacyImatrix(file, entries, { chunks, dataset }) {
  const enc = new TextEncoder();
  const parts = [];
  const i32 = (v) => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    parts.push(b);
  };
  i32(entries.length);
  for (const { name, values } of entries) {
    const bytes = enc.encode(name);
    i32(bytes.length);
    parts.push(Buffer.from(bytes));
    i32(1);
    i32(values.length);
    parts.push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  }
  i32(chunks);
  const d = enc.encode(dataset);
  i32(d.length);
  parts.push(Buffer.from(d));
  await writeFile(file, Buffer.concat(parts));
}

/** Positive, varied, reproducible importance weights for every quantizable tensor of a plan. */
export function syntheticImatrixEntries(plan) {
  let seed = 12345;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  return plan.tensors
    .filter((t) => t.quantizable && t.ggufName !== 'token_embd.weight')
    .map((t) => ({ name: t.ggufName, values: Float32Array.from({ length: t.ne[0] }, () => 0.05 + 2 * next() ** 2) }));
}

/** The default calibration set's token stream for a model folder, as the CLI's --default-set builds it. */
export async function defaultSetTokens(dir) {
  const { nodeModelFiles } = await core('src/io/node-files.node.ts');
  const { planModel } = await core('src/core/model/plan-model.ts');
  const cal = await core('src/core/calibration/index.ts');
  const { readFile } = await import('node:fs/promises');
  const publicDir = path.resolve(import.meta.dirname, '../public/calibration');
  const bytes = new Uint8Array(await readFile(path.join(publicDir, 'default.jsonl')));
  const files = await nodeModelFiles(dir);
  try {
    const plan = await planModel(files);
    const documents = cal.parseCalibrationJsonl(new TextDecoder().decode(bytes), 'calibration/default.jsonl');
    const tokenizer = await cal.loadCalibrationTokenizer(files);
    const stream = cal.assembleCalibrationStream(documents, tokenizer, { chatTemplate: cal.chatTemplateFromMetadata(plan.metadata) });
    return { tokens: stream.tokens, bos: tokenizer.bos };
  } finally {
    await files.close();
  }
}

/**
 * llama-imatrix's statistic on the CPU reference forward, as a loaded imatrix has it (per-column
 * means; per expert for stacked experts, 1s for an expert no token reached): written and read
 * back through the GGUF imatrix format, as the CLI's file would be.
 */
export async function collectImatrixOnCpu(dir, tokens, { contextSize, maxChunks, bos }) {
  const { nodeModelFiles } = await core('src/io/node-files.node.ts');
  const { planModel } = await core('src/core/model/plan-model.ts');
  const { forwardModelFromPlan, planWeights } = await core('src/core/forward/index.ts');
  const { collectImatrix } = await core('src/core/imatrix/collect.ts');
  const { imatrixGgufBytes } = await core('src/core/imatrix/write-imatrix-gguf.ts');
  const { readImatrix } = await core('src/core/imatrix/read-imatrix.ts');
  const { blobByteSource } = await core('src/io/blob-files.ts');
  const files = await nodeModelFiles(dir);
  try {
    const plan = await planModel(files);
    const stats = await collectImatrix(forwardModelFromPlan(plan), planWeights(plan, files), tokens, { contextSize, maxChunks, bos });
    const loaded = await readImatrix(blobByteSource('cpu.imatrix.gguf', new Blob([imatrixGgufBytes(stats, ['cpu'])])));
    return { plan, entries: loaded.entries, stats, chunkCount: stats.chunkCount };
  } finally {
    await files.close();
  }
}

/** The model folder and a GGUF of it, opened for the Node CPU forward: `use` gets both sides and the tokenizer; both files are closed after. */
async function withModelAndGguf(dir, ggufFile, use) {
  const { nodeModelFiles, NodeFileSource } = await core('src/io/node-files.node.ts');
  const { planModel } = await core('src/core/model/plan-model.ts');
  const { forwardModelFromGguf, forwardModelFromPlan, ggufWeights, planWeights } = await core('src/core/forward/index.ts');
  const { loadTextTokenizer } = await core('src/core/forward/tokenize.ts');
  const { readGgufInfo } = await core('src/core/gguf/read-gguf.ts');
  const { stat } = await import('node:fs/promises');
  const files = await nodeModelFiles(dir);
  const source = new NodeFileSource(ggufFile, ggufFile, (await stat(ggufFile)).size);
  try {
    const plan = await planModel(files);
    const tokenizer = await loadTextTokenizer(files);
    const info = await readGgufInfo(source);
    return await use({
      base: { model: forwardModelFromPlan(plan), weights: planWeights(plan, files) },
      quant: { model: forwardModelFromGguf(info, ggufFile), weights: await ggufWeights(source, info) },
      tokenizer,
    });
  } finally {
    await source.close();
    await files.close();
  }
}

/** llama-perplexity --kl-divergence of `ggufFile` against the folder's safetensors, exact f32, on the CPU. */
export async function evaluateKldOnCpu(dir, ggufFile, text, { contextSize, maxChunks }) {
  const { evaluateKld } = await core('src/core/eval/evaluate-kld.ts');
  return withModelAndGguf(dir, ggufFile, ({ base, quant, tokenizer }) => evaluateKld(base, quant, tokenizer.encode(text), { contextSize, maxChunks, bos: tokenizer.bos }));
}

/** Greedy-continuation agreement of a GGUF against the model folder, by the Node CPU forward (the CLI's `eval --prompts` path). */
export async function greedyAgreementOnCpu(dir, ggufFile, promptsText, tokens) {
  const { greedyAgreement, greedyContinuations, parsePrompts } = await core('src/core/eval/greedy-agreement.ts');
  return withModelAndGguf(dir, ggufFile, async ({ base, quant, tokenizer }) => {
    const prompts = parsePrompts(promptsText, (t) => tokenizer.encode(t), 'prompts');
    return greedyAgreement(quant, await greedyContinuations(base, prompts, tokens, { eos: tokenizer.eos }));
  });
}
