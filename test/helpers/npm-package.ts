// The npm package as a user gets it: `npm pack` of this repository (its prepack builds the CLI to
// JavaScript, scripts/build-cli.mjs) and the tarball installed into an empty folder in a temp dir,
// where `quant-studio` then runs through npx. Needs npm (it comes with Node); every failure names
// the command, its folder and its output.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './paths.ts';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';

export interface InstalledPackage {
  /** The temp dir holding everything (the tarball, the install folder); `dispose` removes it. */
  temp: string;
  tarball: string;
  /** The user's project: package.json and node_modules/ with the package in it. */
  installDir: string;
  /** node_modules/quant-studio in installDir. */
  packageDir: string;
  /** "pack (with the build) 2.1 s, 470 KiB, install 0.8 s". */
  timings: string;
  /** `npx quant-studio …` in installDir; rejects, with its output, on a non-zero exit. */
  cli(args: string[], env?: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }>;
  dispose(): Promise<void>;
}

/**
 * The environment for npm in a child: without what an enclosing `npm test` exports to its scripts
 * (npm_config_local_prefix, npm_package_*, …), which would point the inner npm at this repository.
 */
function childEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_') || keep.has(k.toLowerCase())));
}

export async function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(command, args, { cwd, env: { ...childEnv(), ...env }, timeout: 300_000, maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    throw new Error(`\`${command} ${args.join(' ')}\` in ${cwd} failed: ${err.message}\n${err.stderr ?? ''}${err.stdout ?? ''}`);
  }
}

export async function packAndInstall(): Promise<InstalledPackage> {
  const temp = await mkdtemp(path.join(os.tmpdir(), 'quant-studio-pack-'));
  const dispose = () => rm(temp, { recursive: true, force: true });
  try {
    const packDir = path.join(temp, 'pack');
    const installDir = path.join(temp, 'install');
    await mkdir(packDir);
    await mkdir(installDir);

    let started = performance.now();
    // prepack builds dist-cli/ (scripts/build-cli.mjs) before npm lists the files.
    await sh(NPM, ['pack', '--pack-destination', packDir], REPO_ROOT);
    const packed = (await readdir(packDir)).filter((f) => f.endsWith('.tgz'));
    if (packed.length !== 1) throw new Error(`npm pack made ${packed.length} tarballs in ${packDir}: ${packed.join(', ')}`);
    const tarball = path.join(packDir, packed[0]!);
    const launcher = await stat(path.join(REPO_ROOT, 'dist-cli/quant-studio.js')).catch(() => null);
    if (!launcher || launcher.mtimeMs < Date.now() - (performance.now() - started) - 1000) {
      throw new Error('npm pack did not run its prepack script (scripts/build-cli.mjs): is ignore-scripts set in the npm config?');
    }
    const timings = [`pack (with the build) ${((performance.now() - started) / 1000).toFixed(1)} s, ${((await stat(tarball)).size / 1024).toFixed(0)} KiB`];

    // An empty project, as a user's: the tarball is its only dependency. Nothing else is fetched
    // (the package has no dependencies), so the cache is enough.
    await writeFile(path.join(installDir, 'package.json'), `${JSON.stringify({ name: 'pack-test', private: true }, null, 2)}\n`);
    started = performance.now();
    await sh(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], installDir);
    timings.push(`install ${((performance.now() - started) / 1000).toFixed(1)} s`);

    return {
      temp,
      tarball,
      installDir,
      packageDir: path.join(installDir, 'node_modules/quant-studio'),
      timings: timings.join(', '),
      cli: (args, env = {}) => sh(NPX, ['--offline', '--no-install', 'quant-studio', ...args], installDir, env),
      dispose,
    };
  } catch (e) {
    await dispose();
    throw e;
  }
}
