// Files from the llama.cpp source that node-llama-cpp ships (llama/gitRelease.bundle): the vocab-only
// GGUFs of models/ and the chat templates of models/templates/, which llama.cpp fetched from the Hub.
// Read from the checkout that scripts/build-llama-tools.mjs makes when it is there, else from a bare
// clone of the bundle kept beside the size models (about 35 MB, a second or two, once).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { llamaToolsDir } from '../../scripts/build-llama-tools.mjs';
import { REPO_ROOT } from '../helpers/paths.ts';

const BUNDLE = path.join(REPO_ROOT, 'node_modules/node-llama-cpp/llama/gitRelease.bundle');

export async function llamaCppSourceFile(relative: string, cacheRoot: string): Promise<Buffer> {
  const { root, version } = llamaToolsDir();
  const checkedOut = path.join(root, 'src', relative);
  if (existsSync(checkedOut)) return readFile(checkedOut);
  const gitDir = path.join(cacheRoot, '.sources', `llama.cpp-node-llama-cpp-${version}.git`);
  if (!existsSync(gitDir)) {
    if (!existsSync(BUNDLE)) throw new Error(`llama.cpp source bundle not found at ${BUNDLE} (is node-llama-cpp installed?)`);
    await mkdir(path.dirname(gitDir), { recursive: true });
    const partial = `${gitDir}.partial-${process.pid}`;
    await rm(partial, { recursive: true, force: true });
    execFileSync('git', ['clone', '--bare', '--quiet', BUNDLE, partial], { stdio: ['ignore', 'ignore', 'inherit'] });
    // Another process may have finished first: its clone is as good as this one.
    await rename(partial, gitDir).catch(async () => rm(partial, { recursive: true, force: true }));
  }
  return execFileSync('git', ['--git-dir', gitDir, 'show', `HEAD:${relative}`], { maxBuffer: 256 << 20 });
}
