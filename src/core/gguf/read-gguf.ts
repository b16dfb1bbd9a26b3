// Reads a GGUF file's metadata and tensor infos from any ByteSource with @huggingface/gguf,
// by handing it a fetch that answers its Range requests from the source (no network involved).
import { gguf, type GGUFParseOutput } from '@huggingface/gguf';
import type { ByteSource } from '../bytes-io.ts';

function rangeFetch(source: ByteSource): typeof fetch {
  return (async (_input: RequestInfo | URL, init?: RequestInit) => {
    const range = new Headers(init?.headers).get('Range');
    const match = range ? /bytes=(\d+)-(\d*)/.exec(range) : null;
    const start = match ? Number(match[1]) : 0;
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

export async function readGgufInfo(source: ByteSource): Promise<GgufInfo> {
  if (source.size < 8) throw new Error(`${source.name}: too short to be a GGUF file (${source.size} bytes)`);
  const magic = new TextDecoder().decode(await source.read(0, 4));
  if (magic !== 'GGUF') throw new Error(`${source.name}: not a GGUF file (starts with ${JSON.stringify(magic)})`);
  let parsed: GGUFParseOutput;
  try {
    parsed = await gguf(`https://local.invalid/${encodeURIComponent(source.name)}`, { fetch: rangeFetch(source) });
  } catch (e) {
    throw new Error(`${source.name}: cannot parse GGUF (${(e as Error).message})`);
  }
  return { parsed, dataStart: Number(parsed.tensorDataOffset) };
}
