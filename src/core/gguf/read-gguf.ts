// Reads a GGUF file's metadata and tensor infos from any ByteSource with @huggingface/gguf,
// by handing it a fetch that answers its Range requests from the source (no network involved),
// then holds the result to the rules llama.cpp's loader applies (gguf.cpp), so that a file
// llama.cpp would refuse is refused here first, naming the field.
import { gguf, type GGUFParseOutput } from '@huggingface/gguf';
import type { ByteSource } from '../bytes-io.ts';
import { GGML_TYPES, ggmlTypeById } from '../ggml-type.ts';

/** llama.cpp's GGML_MAX_NAME: a tensor name and its NUL must fit 64 bytes. */
export const GGUF_MAX_TENSOR_NAME_BYTES = 63;
/** llama.cpp's GGML_MAX_DIMS. */
export const GGUF_MAX_DIMS = 4;
const GGUF_DEFAULT_ALIGNMENT = 32;
const GGUF_TYPE_U32 = 4;
/** The library reports these beside the file's own keys. */
const PSEUDO_KEYS = 3;

function rangeFetch(source: ByteSource): typeof fetch {
  return (async (_input: RequestInfo | URL, init?: RequestInit) => {
    const range = new Headers(init?.headers).get('Range');
    const match = range ? /bytes=(\d+)-(\d*)/.exec(range) : null;
    const start = match ? Number(match[1]) : 0;
    // A length field pointing past the end: fail at once (the library would fetch and retry).
    if (start >= source.size) throw new RangeError(`read at ${start}, past the end`);
    const end = match && match[2] ? Math.min(Number(match[2]), source.size - 1) : source.size - 1;
    const length = Math.max(0, end - start + 1);
    const body = length > 0 && start < source.size ? await source.read(start, Math.min(length, source.size - start)) : new Uint8Array(0);
    return new Response(body as BodyInit, {
      status: match ? 206 : 200,
      headers: { 'Content-Length': String(body.length), 'Content-Range': `bytes ${start}-${start + body.length - 1}/${source.size}` },
    });
  }) as typeof fetch;
}

export interface GgufInfo {
  parsed: GGUFParseOutput;
  /** Absolute offset of the tensor data section. */
  dataStart: number;
}

async function checkPreamble(source: ByteSource): Promise<void> {
  if (source.size < 24) throw new Error(`${source.name}: too short to be a GGUF file (${source.size} bytes)`);
  const head = await source.read(0, 8);
  const magic = new TextDecoder().decode(head.subarray(0, 4));
  if (magic !== 'GGUF') throw new Error(`${source.name}: not a GGUF file (starts with ${JSON.stringify(magic)})`);
  const version = new DataView(head.buffer, head.byteOffset, 8).getUint32(4, true);
  if ((version & 0xffff) === 0) throw new Error(`${source.name}: a big-endian GGUF file; llama.cpp on little-endian machines (and this tool) reads only little-endian files`);
  if (version !== 2 && version !== 3) throw new Error(`${source.name}: GGUF version ${version} (llama.cpp reads versions 2 and 3)`);
}

/** Tensor infos as llama.cpp checks them: names, dimensions, types, and offsets packed in order. */
function checkTensorInfos(source: ByteSource, parsed: GGUFParseOutput, alignment: number): void {
  const names = new Set<string>();
  const align = BigInt(alignment);
  let expected = 0n;
  for (const t of parsed.tensorInfos) {
    const where = `${source.name}: tensor "${t.name.slice(0, 80)}"`;
    if (new TextEncoder().encode(t.name).length > GGUF_MAX_TENSOR_NAME_BYTES) throw new Error(`${where}: the name is longer than ${GGUF_MAX_TENSOR_NAME_BYTES} bytes`);
    if (names.has(t.name)) throw new Error(`${where} appears twice`);
    names.add(t.name);
    if (t.n_dims > GGUF_MAX_DIMS) throw new Error(`${where}: ${t.n_dims} dimensions (at most ${GGUF_MAX_DIMS})`);
    const type = ggmlTypeById(Number(t.dtype));
    if (!type) throw new Error(`${where}: unknown ggml type id ${t.dtype}`);
    const { blockSize, typeSize } = GGML_TYPES[type];
    const ne = t.shape.map((d) => BigInt(d));
    if ((ne[0] ?? 1n) % BigInt(blockSize) !== 0n) throw new Error(`${where}: rows of ${ne[0]} do not fit ${type} blocks of ${blockSize}`);
    if (BigInt(t.offset) !== expected) throw new Error(`${where}: data at offset ${t.offset}, where llama.cpp expects ${expected} (tensor data must follow in order, aligned to ${alignment})`);
    const bytes = (ne.reduce((a, b) => a * b, 1n) / BigInt(blockSize)) * BigInt(typeSize);
    expected = ((expected + bytes + align - 1n) / align) * align;
  }
  const dataStart = BigInt(parsed.tensorDataOffset);
  if (dataStart + expected > BigInt(source.size)) {
    throw new Error(`${source.name}: the tensor data needs ${dataStart + expected} bytes, the file has ${source.size} (truncated?)`);
  }
}

export async function readGgufInfo(source: ByteSource): Promise<GgufInfo> {
  await checkPreamble(source);
  let parsed: GGUFParseOutput & { typedMetadata: Record<string, { type: number; value: unknown }> };
  try {
    parsed = await gguf(`https://local.invalid/${encodeURIComponent(source.name)}`, { fetch: rangeFetch(source), typedMetadata: true }) as typeof parsed;
  } catch (e) {
    const reason = e instanceof RangeError ? 'the header ends inside a field (truncated, or a length is wrong)' : (e as Error).message;
    throw new Error(`${source.name}: cannot parse GGUF (${reason})`);
  }
  // The library reads past the bytes it was given as zeros (its buffer grows in zeroed chunks):
  // a header that ends beyond the file was read partly from nothing.
  const headerEnd = parsed.tensorInfoByteRange[1];
  if (headerEnd > source.size) throw new Error(`${source.name}: cannot parse GGUF (the header ends inside a field: it needs ${headerEnd} bytes, the file has ${source.size}; truncated, or a length is wrong)`);
  const keys = Object.keys(parsed.typedMetadata).length - PSEUDO_KEYS;
  if (BigInt(keys) !== BigInt(parsed.metadata.kv_count)) {
    throw new Error(`${source.name}: ${parsed.metadata.kv_count} metadata keys declared, ${keys} distinct (a key appears twice, or is reserved)`);
  }
  const alignmentKv = parsed.typedMetadata['general.alignment'];
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  if (alignmentKv) {
    const a = Number(alignmentKv.value);
    if (alignmentKv.type !== GGUF_TYPE_U32 || a === 0 || (a & (a - 1)) !== 0) throw new Error(`${source.name}: general.alignment must be a power-of-two u32 (got ${String(alignmentKv.value)})`);
    alignment = a;
  }
  checkTensorInfos(source, parsed, alignment);
  return { parsed, dataStart: Number(parsed.tensorDataOffset) };
}
