// Folders that really refuse writes, for the CLI's failure tests. As root, permission bits do not
// stop a write, so a read-only folder is a tmpfs mounted read-only (EROFS); for other users it is a
// folder without write permission (EACCES). A full folder is a small tmpfs filled to the last byte
// (ENOSPC). Mounting needs root (CAP_SYS_ADMIN): where it is refused the tests fail, saying so,
// unless QUANT_STUDIO_TEST_NO_MOUNT=1 leaves the tests that need a mount out.
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, open } from 'node:fs/promises';
import path from 'node:path';

const MOUNTS_DISABLED = process.env.QUANT_STUDIO_TEST_NO_MOUNT === '1';

const isRoot = () => process.getuid?.() === 0;

/**
 * Whether a suite is left out, and the words its name then carries so that the report says why:
 * only with QUANT_STUDIO_TEST_NO_MOUNT=1, and only a suite that needs a mount here (a read-only
 * folder needs one only as root; a full folder always does).
 */
export function mountSuite(kind: 'read-only' | 'full'): { skip: boolean; name: string } {
  const needsMount = kind === 'full' || isRoot();
  const skip = MOUNTS_DISABLED && needsMount;
  return { skip, name: skip ? `${kind} (left out: QUANT_STUDIO_TEST_NO_MOUNT=1, and it needs a tmpfs mount)` : kind };
}

function mountTmpfs(dir: string, options: string): void {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    const detail = (e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message;
    throw new Error(
      `cannot mount a tmpfs on ${dir} (${detail}): these tests need root with CAP_SYS_ADMIN; ` +
      'set QUANT_STUDIO_TEST_NO_MOUNT=1 to leave them out',
    );
  }
}

export interface TestFolder {
  dir: string;
  /** What makes writes fail there, for the report. */
  mechanism: string;
  release(): Promise<void>;
}

function unmount(dir: string): void {
  execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
}

export async function readOnlyFolder(parent: string): Promise<TestFolder> {
  const dir = path.join(parent, 'read-only');
  await mkdir(dir);
  if (!isRoot()) {
    await chmod(dir, 0o555);
    return { dir, mechanism: 'chmod 0555 (EACCES)', release: () => chmod(dir, 0o755) };
  }
  mountTmpfs(dir, 'ro,size=1m');
  return { dir, mechanism: 'read-only tmpfs (EROFS)', release: async () => unmount(dir) };
}

/** A tmpfs of 64 KiB, every byte of it taken by ".filler". */
export async function fullFolder(parent: string): Promise<TestFolder> {
  const dir = path.join(parent, 'full');
  await mkdir(dir);
  mountTmpfs(dir, 'size=64k');
  const filler = await open(path.join(dir, '.filler'), 'w');
  try {
    const block = new Uint8Array(4096);
    for (;;) await filler.write(block);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOSPC') throw e;
  } finally {
    await filler.close();
  }
  return { dir, mechanism: 'tmpfs size=64k, filled (ENOSPC)', release: async () => unmount(dir) };
}
