// Turning what the user gave (an <input> FileList, or a drag-and-drop that may hold folders)
// into relative paths and Files for the worker.
import type { NamedBlob } from '../io/blob-files.ts';

export function filesFromList(list: FileList | readonly File[]): NamedBlob[] {
  // webkitRelativePath is "folder/file" for a folder pick and "" for a plain file pick.
  return Array.from(list, (file) => ({ path: file.webkitRelativePath || file.name, blob: file }));
}

function readAllEntries(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  // readEntries returns at most ~100 entries per call; it signals the end with an empty batch.
  return new Promise((resolve, reject) => {
    const next = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) return resolve(all);
        all.push(...batch);
        next();
      }, reject);
    next();
  });
}

function entryFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function walk(entry: FileSystemEntry, out: NamedBlob[]): Promise<void> {
  // Hidden entries (.git, .cache, .DS_Store) are never model files and .git can be huge.
  if (entry.name.startsWith('.')) return;
  if (entry.isFile) {
    out.push({ path: entry.fullPath.replace(/^\/+/, ''), blob: await entryFile(entry as FileSystemFileEntry) });
  } else if (entry.isDirectory) {
    for (const child of await readAllEntries(entry as FileSystemDirectoryEntry)) await walk(child, out);
  }
}

/** Must be called synchronously in the drop handler: the items expire when it returns. */
export function filesFromDataTransfer(data: DataTransfer): Promise<NamedBlob[]> {
  const entries = Array.from(data.items)
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.() ?? null);
  if (entries.length === 0 || entries.some((e) => e === null)) {
    return Promise.resolve(filesFromList(data.files));
  }
  return (async () => {
    const out: NamedBlob[] = [];
    for (const entry of entries) await walk(entry!, out);
    return out;
  })();
}
