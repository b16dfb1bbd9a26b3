// Writes a Llama model folder of random float32 weights, larger than memory should ever need to
// hold, for the export memory benchmark. Streams to disk: the generator itself stays small.
import { copyFile, mkdir, open, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface GeneratedModelShape {
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number;
  vocab: number;
}

function tensorList(s: GeneratedModelShape): [string, number[]][] {
  const headDim = s.hidden / s.heads;
  const list: [string, number[]][] = [['model.embed_tokens.weight', [s.vocab, s.hidden]]];
  for (let i = 0; i < s.layers; i++) {
    const p = `model.layers.${i}`;
    list.push(
      [`${p}.input_layernorm.weight`, [s.hidden]],
      [`${p}.self_attn.q_proj.weight`, [s.hidden, s.hidden]],
      [`${p}.self_attn.k_proj.weight`, [s.kvHeads * headDim, s.hidden]],
      [`${p}.self_attn.v_proj.weight`, [s.kvHeads * headDim, s.hidden]],
      [`${p}.self_attn.o_proj.weight`, [s.hidden, s.hidden]],
      [`${p}.post_attention_layernorm.weight`, [s.hidden]],
      [`${p}.mlp.gate_proj.weight`, [s.intermediate, s.hidden]],
      [`${p}.mlp.up_proj.weight`, [s.intermediate, s.hidden]],
      [`${p}.mlp.down_proj.weight`, [s.hidden, s.intermediate]],
    );
  }
  list.push(['model.norm.weight', [s.hidden]], ['lm_head.weight', [s.vocab, s.hidden]]);
  return list;
}

/** xorshift32 into uniform floats in [-scale, scale): fast and reproducible. */
function fillRandom(out: Float32Array, seed: number, scale: number): number {
  let x = seed >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = ((x / 4294967296) * 2 - 1) * scale;
  }
  return x;
}

export async function generateLlamaModel(dir: string, shape: GeneratedModelShape, tokenizerFrom: string): Promise<number> {
  await mkdir(dir, { recursive: true });
  const tensors = tensorList(shape);
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, dims] of tensors) {
    const n = dims.reduce((a, b) => a * b, 1) * 4;
    header[name] = { dtype: 'F32', shape: dims, data_offsets: [offset, offset + n] };
    offset += n;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const file = await open(path.join(dir, 'model.safetensors'), 'w');
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(json.length), true);
  await file.write(prefix);
  await file.write(new TextEncoder().encode(json));
  const chunk = new Float32Array(1 << 22);
  let seed = 12345;
  for (const [name, dims] of tensors) {
    let left = dims.reduce((a, b) => a * b, 1);
    const scale = name.includes('norm') ? 1 : 0.05;
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      seed = fillRandom(chunk.subarray(0, n), seed, scale);
      await file.write(new Uint8Array(chunk.buffer, 0, n * 4));
      left -= n;
    }
  }
  await file.close();
  await writeFile(
    path.join(dir, 'config.json'),
    JSON.stringify({
      architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: shape.hidden,
      intermediate_size: shape.intermediate, num_hidden_layers: shape.layers, num_attention_heads: shape.heads,
      num_key_value_heads: shape.kvHeads, vocab_size: shape.vocab, max_position_embeddings: 2048,
      rms_norm_eps: 1e-5, rope_theta: 10000, tie_word_embeddings: false, bos_token_id: 1, eos_token_id: 2,
      torch_dtype: 'float32',
    }),
  );
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(path.join(tokenizerFrom, f), path.join(dir, f));
  return 8 + json.length + offset;
}
