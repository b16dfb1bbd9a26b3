// The two byte interfaces the core reads from and writes to. Implementations live in src/io
// (Blob/File in the browser, files in Node, HTTP later); the core never knows which.

/** Random-access, read-only bytes: a file on disk, a dropped File, a remote object. */
export interface ByteSource {
  /** Shown in errors: the file name as the user knows it. */
  readonly name: string;
  readonly size: number;
  /** Exactly `length` bytes from `offset`; rejects when the source is shorter. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A folder of model files (config.json, *.safetensors, tokenizer.json, …) by relative name. */
export interface ModelFiles {
  /** A label for the whole folder (its name or a repo id). */
  readonly label: string;
  names(): string[];
  open(name: string): ByteSource | undefined;
}

/** Where an export goes. `abort` must remove whatever was written (no partial files). */
export interface ByteSink {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
  abort(reason?: unknown): Promise<void>;
}

export async function readText(source: ByteSource): Promise<string> {
  return new TextDecoder().decode(await source.read(0, source.size));
}

export async function readJson<T = unknown>(source: ByteSource): Promise<T> {
  const text = await readText(source);
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${source.name}: not valid JSON (${(e as Error).message})`);
  }
}
