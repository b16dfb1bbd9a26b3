// The CLI as a child process with extra environment (HF_ENDPOINT, HF_TOKEN); the Hub stand-in
// runs in the test's own process, so this must not block (execFile, not execFileSync).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLI_BIN } from '../helpers/cli.ts';

export async function runCliWithEnv(args: string[], env: Record<string, string | undefined>): Promise<{ code: number; stdout: string; stderr: string }> {
  const merged: NodeJS.ProcessEnv = { ...process.env, HF_TOKEN: undefined, HF_ENDPOINT: undefined, ...env };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI_BIN, ...args], { env: merged, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout, stderr: err.stderr };
  }
}
