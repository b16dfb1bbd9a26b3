// An in-memory stand-in for the origin-private file system, enough for the stores built on it
// (kept-store.ts): folders, files written through createWritable (committed on close, as OPFS
// does), entries(), removeEntry. Installed as navigator.storage.getDirectory for a test.
import { vi } from 'vitest';

type Node = FakeDirectory | FakeFile;

class FakeFile {
  readonly kind = 'file';
  data: Uint8Array = new Uint8Array();
  constructor(readonly name: string) {}
  async getFile(): Promise<File> {
    return new File([this.data as Uint8Array<ArrayBuffer>], this.name, { lastModified: Date.now() });
  }
  async createWritable(): Promise<{ write(d: Uint8Array | string): Promise<void>; close(): Promise<void> }> {
    const parts: Uint8Array[] = [];
    return {
      write: async (d) => void parts.push(typeof d === 'string' ? new TextEncoder().encode(d) : new Uint8Array(d)),
      close: async () => {
        this.data = new Uint8Array(await new Blob(parts as Uint8Array<ArrayBuffer>[]).arrayBuffer());
      },
    };
  }
}

export class FakeDirectory {
  readonly kind = 'directory';
  readonly children = new Map<string, Node>();
  constructor(readonly name: string) {}
  private get<T extends Node>(name: string, create: boolean, make: () => T, kind: string): T {
    const found = this.children.get(name);
    if (found) {
      if (found.kind !== kind) throw new DOMException(name, 'TypeMismatchError');
      return found as T;
    }
    if (!create) throw new DOMException(name, 'NotFoundError');
    const made = make();
    this.children.set(name, made);
    return made;
  }
  async getDirectoryHandle(name: string, o?: { create?: boolean }): Promise<FakeDirectory> {
    return this.get(name, o?.create ?? false, () => new FakeDirectory(name), 'directory');
  }
  async getFileHandle(name: string, o?: { create?: boolean }): Promise<FakeFile> {
    return this.get(name, o?.create ?? false, () => new FakeFile(name), 'file');
  }
  async removeEntry(name: string, o?: { recursive?: boolean }): Promise<void> {
    const found = this.children.get(name);
    if (!found) throw new DOMException(name, 'NotFoundError');
    if (found.kind === 'directory' && found.children.size > 0 && !o?.recursive) throw new DOMException(name, 'InvalidModificationError');
    this.children.delete(name);
  }
  async *entries(): AsyncIterable<[string, Node]> {
    yield* [...this.children.entries()];
  }
}

/** A fresh, empty OPFS for this test (vi.unstubAllGlobals takes it away). */
export function installFakeOpfs(): FakeDirectory {
  const root = new FakeDirectory('');
  vi.stubGlobal('navigator', { storage: { getDirectory: async () => root } });
  return root;
}
