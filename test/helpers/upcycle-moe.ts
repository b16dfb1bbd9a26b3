// A mixture-of-experts model with a trained model's structure: tiny-llama-10m "sparse upcycled"
// (Komatsuzaki et al., 2022, the way Qwen1.5-MoE and others were initialised) into Granite 3 MoE's
// layout. Every expert starts as the dense FFN with seeded noise of its own, and a seeded router
// sends each token to `used` of them with renormalised weights, so a layer computes about what the
// dense FFN computed: the trained attention, embeddings and FFNs keep their structure, and the
// experts differ enough that routing, per-expert importance and the expert rules all matter.
// Granite MoE, because it is the MoE family whose attention is Llama's (no q/k norms): with its
// multipliers at 1 (and the attention's at 1/sqrt(head_dim)) it computes what the Llama computed.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bf16ToF32Array, f32ToBf16Array } from '../../src/core/float16.ts';
import { Rng } from './generate-model.ts';
import { writeSafetensors, type SafetensorsTensor } from './safetensors-writer.ts';

interface HeaderEntry { dtype: string; shape: number[]; data_offsets: [number, number] }

export interface UpcycleOptions {
  experts: number;
  used: number;
  /** Each expert's noise, relative to its tensor's root mean square. */
  noise: number;
  seed: number;
}

export async function upcycleToGraniteMoe(from: string, to: string, o: UpcycleOptions): Promise<void> {
  const config = JSON.parse(await readFile(path.join(from, 'config.json'), 'utf8'));
  if (config.architectures?.[0] !== 'LlamaForCausalLM') throw new Error(`${from}: upcycling needs a Llama, not ${config.architectures}`);
  const bytes = await readFile(path.join(from, 'model.safetensors'));
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, HeaderEntry>;
  const data = bytes.subarray(8 + headerLength);
  const raw = (name: string) => {
    const e = header[name];
    if (!e || e.dtype !== 'BF16') throw new Error(`${from}: no BF16 tensor "${name}"`);
    return data.subarray(e.data_offsets[0], e.data_offsets[1]);
  };
  const values = (name: string) => {
    const b = raw(name);
    return bf16ToF32Array(new Uint16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
  };
  const rng = new Rng(o.seed);
  const noisy = (src: Float32Array): Float32Array => {
    const rms = Math.sqrt(src.reduce((s, v) => s + v * v, 0) / src.length);
    return src.map((v) => v + o.noise * rms * rng.gaussian());
  };
  const H: number = config.hidden_size;
  const ff: number = config.intermediate_size;
  const out: { tensor: SafetensorsTensor; bytes: () => Uint8Array }[] = [];
  const bf16 = (v: Float32Array) => new Uint8Array(f32ToBf16Array(v).buffer);
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__' || name.includes('.mlp.')) continue;
    out.push({ tensor: { name, shape: e.shape, dtype: 'BF16' }, bytes: () => raw(name) });
  }
  for (let l = 0; l < config.num_hidden_layers; l++) {
    const p = `model.layers.${l}`;
    const [gate, up, down] = ['gate_proj', 'up_proj', 'down_proj'].map((t) => values(`${p}.mlp.${t}.weight`));
    const input = new Float32Array(o.experts * 2 * ff * H);
    const output = new Float32Array(o.experts * H * ff);
    for (let e = 0; e < o.experts; e++) {
      input.set(noisy(gate!), e * 2 * ff * H);
      input.set(noisy(up!), (e * 2 + 1) * ff * H);
      output.set(noisy(down!), e * H * ff);
    }
    const router = Float32Array.from({ length: o.experts * H }, () => rng.gaussian() / Math.sqrt(H));
    out.push(
      { tensor: { name: `${p}.block_sparse_moe.input_linear.weight`, shape: [o.experts, 2 * ff, H], dtype: 'BF16' }, bytes: () => bf16(input) },
      { tensor: { name: `${p}.block_sparse_moe.output_linear.weight`, shape: [o.experts, H, ff], dtype: 'BF16' }, bytes: () => bf16(output) },
      { tensor: { name: `${p}.block_sparse_moe.router.layer.weight`, shape: [o.experts, H], dtype: 'BF16' }, bytes: () => bf16(router) },
    );
  }
  await mkdir(to, { recursive: true });
  await writeSafetensors(path.join(to, 'model.safetensors'), out.map((t) => t.tensor), { chunks: (_t, i) => [out[i]!.bytes()] });
  const { head_dim: _headDim, mlp_bias: _mlpBias, pretraining_tp: _tp, model_type: _type, ...kept } = config;
  await writeFile(path.join(to, 'config.json'), JSON.stringify({
    ...kept, architectures: ['GraniteMoeForCausalLM'], model_type: 'granitemoe',
    num_local_experts: o.experts, num_experts_per_tok: o.used, output_router_logits: false, router_aux_loss_coef: 0,
    embedding_multiplier: 1, residual_multiplier: 1, logits_scaling: 1, attention_multiplier: 1 / Math.sqrt(H / config.num_attention_heads),
  }, null, 2));
  for (const file of ['tokenizer.json', 'tokenizer_config.json', 'generation_config.json']) await copyFile(path.join(from, file), path.join(to, file));
}
