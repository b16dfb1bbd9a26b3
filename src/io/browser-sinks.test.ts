import { describe, expect, it } from 'vitest';
import { downloadSink, fileSystemSink, type SaveFileHandle, type WritableFileLike } from './browser-sinks.ts';

describe('downloadSink', () => {
  it('delivers the chunks as one Blob only when closed', async () => {
    const delivered: { blob: Blob; name: string }[] = [];
    const sink = downloadSink('m.gguf', (blob, name) => delivered.push({ blob, name }));
    const chunk = new Uint8Array([1, 2, 3]);
    await sink.write(chunk);
    chunk.fill(9); // the writer reusing its buffer must not change what was written
    await sink.write(new Uint8Array([4]));
    expect(delivered).toHaveLength(0);
    await sink.close();
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.name).toBe('m.gguf');
    expect([...new Uint8Array(await delivered[0]!.blob.arrayBuffer())]).toEqual([1, 2, 3, 4]);
  });

  it('delivers nothing after abort and refuses further writes', async () => {
    const delivered: Blob[] = [];
    const sink = downloadSink('m.gguf', (blob) => delivered.push(blob));
    await sink.write(new Uint8Array([1]));
    await sink.abort(new Error('bad tensor'));
    await sink.abort(); // a second abort (exporter, then caller) is harmless
    await expect(sink.write(new Uint8Array([2]))).rejects.toThrow(/aborted/);
    await expect(sink.close()).rejects.toThrow(/aborted/);
    expect(delivered).toHaveLength(0);
  });
});

function fakeFile() {
  const log: string[] = [];
  const writable: WritableFileLike = {
    write: async (data) => void log.push(`write ${data.length}`),
    close: async () => void log.push('close'),
    abort: async () => void log.push('abort'),
  };
  const handle: SaveFileHandle = {
    createWritable: async () => writable,
    remove: async () => void log.push('remove'),
  };
  return { log, handle, writable };
}

describe('fileSystemSink', () => {
  it('streams writes and closes', async () => {
    const { log, handle, writable } = fakeFile();
    const sink = fileSystemSink(handle, writable);
    await sink.write(new Uint8Array(5));
    await sink.close();
    expect(log).toEqual(['write 5', 'close']);
  });

  it('aborts the stream and removes the file the picker created', async () => {
    const { log, handle, writable } = fakeFile();
    const sink = fileSystemSink(handle, writable);
    await sink.write(new Uint8Array(2));
    await sink.abort('cancelled');
    await sink.abort('again');
    expect(log).toEqual(['write 2', 'abort', 'remove']);
  });
});
