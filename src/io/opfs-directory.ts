// The origin-private file system's root and the studio's folders in it. Null wherever there is
// no OPFS (Node, old browsers) or it refuses (e.g. a private window): callers then work without
// persistence instead of failing.

export async function opfsRoot(): Promise<FileSystemDirectoryHandle | null> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (!storage?.getDirectory) return null;
  try {
    return await storage.getDirectory();
  } catch {
    return null;
  }
}

/** A folder under the root (created on request); null without OPFS or, unless `create`, when absent. */
export async function opfsDirectory(name: string, create: boolean): Promise<FileSystemDirectoryHandle | null> {
  const root = await opfsRoot();
  if (!root) return null;
  try {
    return await root.getDirectoryHandle(name, { create });
  } catch {
    return null;
  }
}
