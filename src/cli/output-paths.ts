// Checks a command's output paths before any work: each must name a file (not a folder or a
// device) in a folder that exists, and none may be the same file as an input or as another output,
// after symlinks (realpath) and hard links (device and inode). Writing through "<out>.partial" and
// renaming would otherwise replace an input, or truncate one named like the partial file.
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ggufShardNames, isGgufFileName } from '../core/model/plan-gguf.ts';
import { isHubUri } from '../io/hub/hub-spec.ts';
import { isSystemError, systemErrorReason } from '../io/node-system-error.node.ts';
import { CliError } from './cli-error.ts';

/** A path on the command line and the words that name it in a message ("--imatrix im.gguf"). */
export interface NamedPath {
  label: string;
  path: string;
}

interface Identity {
  /** realpath for a file that exists; realpath(parent)/basename for one that does not. */
  key: string;
  /** device:inode of a file that exists. */
  inode: string | null;
  kind: 'file' | 'folder' | 'other' | 'missing';
}

async function identify(file: string): Promise<Identity> {
  try {
    const info = await stat(file);
    return { key: await realpath(file), inode: `${info.dev}:${info.ino}`, kind: info.isFile() ? 'file' : info.isDirectory() ? 'folder' : 'other' };
  } catch (e) {
    if (!isSystemError(e) || e.code !== 'ENOENT') throw e;
  }
  const absolute = path.resolve(file);
  return { key: path.join(await realpath(path.dirname(absolute)), path.basename(absolute)), inode: null, kind: 'missing' };
}

const same = (a: Identity, b: Identity) => a.key === b.key || (a.inode !== null && a.inode === b.inode);

/** The files of a model folder (hf:// sources have none on disk): the inputs an output must not replace. */
export async function modelFolderInputs(source: string): Promise<NamedPath[]> {
  if (isHubUri(source)) return [];
  if (isGgufFileName(source)) {
    const shards = (() => { try { return ggufShardNames(path.basename(source)); } catch { return [path.basename(source)]; } })();
    return shards.map((name) => ({ label: 'the model file', path: path.join(path.dirname(source), name) }));
  }
  // An unreadable folder is reported by the command when it opens the model.
  const entries = await readdir(source, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => ({ label: 'the model file', path: path.join(source, e.name) }));
}

async function checkOutput(output: NamedPath): Promise<Identity> {
  const named = `${output.label} ${output.path}`;
  let id: Identity;
  try {
    id = await identify(output.path);
  } catch (e) {
    const reason = isSystemError(e) ? (e.code === 'ENOENT' ? 'its folder does not exist' : e.code === 'ENOTDIR' ? 'a part of its folder is not a folder' : systemErrorReason(e)) : String(e);
    throw new CliError(`${named}: ${reason}`);
  }
  if (id.kind === 'folder') throw new CliError(`${named}: is a folder; give the path of a file to write`);
  if (id.kind === 'other') throw new CliError(`${named}: is not a regular file (a device, pipe or socket); give the path of a file to write`);
  return id;
}

/**
 * Refuses outputs that could not be written or would replace an input. Inputs that do not exist
 * are left for the command to report when it reads them.
 */
export async function checkOutputPaths(outputs: readonly NamedPath[], inputs: readonly NamedPath[]): Promise<void> {
  const inputIds: { input: NamedPath; id: Identity }[] = [];
  for (const input of inputs) {
    const id = await identify(input.path).catch(() => null);
    if (id && id.kind !== 'missing') inputIds.push({ input, id });
  }
  const seen: { output: NamedPath; ids: Identity[] }[] = [];
  for (const output of outputs) {
    const id = await checkOutput(output);
    const partial = await identify(`${output.path}.partial`);
    for (const { input, id: inputId } of inputIds) {
      if (same(id, inputId)) throw new CliError(`${output.label} ${output.path} is the same file as ${input.label} ${input.path}: an output may not replace an input`);
      if (same(partial, inputId)) throw new CliError(`${output.label} ${output.path}: its partial file ${output.path}.partial is ${input.label} ${input.path}, which writing would destroy`);
    }
    // Two outputs, or one and the other's partial file, on one path would overwrite each other.
    const clash = seen.find((earlier) => earlier.ids.some((e) => same(e, id) || same(e, partial)));
    if (clash) throw new CliError(`${output.label} ${output.path} and ${clash.output.label} ${clash.output.path} would overwrite each other: give each output its own path`);
    seen.push({ output, ids: [id, partial] });
  }
}

/** The inputs a flag names (none when it is absent). */
export function namedPaths(label: string, value: string | readonly string[] | undefined): NamedPath[] {
  if (value === undefined) return [];
  return (typeof value === 'string' ? [value] : value).map((p) => ({ label, path: p }));
}
