#!/usr/bin/env node
// Builds the command line into plain JavaScript for the npm package (`npm pack` runs it, as
// `prepack`): dist-cli/ holds an ES module bundle that Node runs without a TypeScript loader.
// - Entry: src/cli/main.ts, and a launcher dist-cli/quant-studio.js (the package's bin).
// - Worker threads: each `new URL('./x.ts', import.meta.url)` in the sources (the CPU quantizer's,
//   the matmul and the sensitivity threads) becomes an entry of its own, dist-cli/x.js, and the URL
//   is rewritten to it; the output is one flat folder, so the URL is right from any chunk.
// - Dependencies (Hugging Face hub/tokenizers/jinja, re2js, noble hashes) are bundled in, so the
//   package has no runtime dependencies. The one exception is `webgpu` (Dawn, native, large): it
//   stays an external import, an optional peer dependency that `--backend gpu` asks for.
// - WGSL `?raw` imports are inlined by Vite as strings, the WebAssembly modules are already
//   TypeScript (the committed *.wasm.generated.ts).
// Uses Vite's own bundler (an SSR build), the project's existing toolchain.
import { existsSync } from 'node:fs';
import { chmod, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'vite';

const ROOT = path.resolve(import.meta.dirname, '..');
export const CLI_OUT_DIR = path.join(ROOT, 'dist-cli');
const EXTERNAL = ['webgpu'];

/** Rewrites worker-thread URLs on TypeScript modules to their compiled entries. */
function workerEntries() {
  const pattern = /new URL\((['"])(\.{1,2}\/[^'"]+?)\.ts\1,\s*import\.meta\.url\)/g;
  const emitted = new Set();
  return {
    name: 'quant-studio:worker-entries',
    enforce: 'pre',
    transform(code, id) {
      if (!/\.ts$/.test(id) || !code.includes('import.meta.url')) return null;
      let changed = false;
      const out = code.replace(pattern, (_whole, _quote, relative) => {
        const file = path.resolve(path.dirname(id), `${relative}.ts`);
        const fileName = `${path.basename(relative)}.js`;
        if (!emitted.has(fileName)) {
          emitted.add(fileName);
          this.emitFile({ type: 'chunk', id: file, fileName });
        }
        changed = true;
        return `new URL(${JSON.stringify(`./${fileName}`)}, import.meta.url)`;
      });
      return changed ? { code: out, map: null } : null;
    },
  };
}

const LAUNCHER = `#!/usr/bin/env node
// The quant-studio command line (compiled; see scripts/build-cli.mjs in the source repository).
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2), { ownsProcess: true });
`;

/** The package folder (node_modules/…/name) of every bundled module from node_modules, sorted. */
function bundledPackages(outputs) {
  const dirs = new Set();
  for (const output of [outputs].flat()) {
    for (const item of output.output) {
      for (const id of Object.keys(item.modules ?? {})) {
        const m = /^(.*[/\\]node_modules[/\\](?:@[^/\\]+[/\\])?[^/\\]+)/.exec(id.replace(/^\0/, ''));
        if (m) dirs.add(m[1]);
      }
    }
  }
  return [...dirs].sort();
}

/** The bundled packages' licenses (MIT and Apache-2.0 ask that they travel with the code). */
async function thirdPartyNotices(dirs) {
  const parts = ['Third-party code bundled into the quant-studio command line (dist-cli/), with its licenses.\n'];
  for (const dir of dirs) {
    const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    const licenseFile = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license', 'LICENCE', 'COPYING'].map((f) => path.join(dir, f)).find((f) => existsSync(f));
    const text = licenseFile ? await readFile(licenseFile, 'utf8') : `(no license file in the package; package.json says ${manifest.license ?? 'nothing'})`;
    parts.push(`${'='.repeat(78)}\n${manifest.name} ${manifest.version} (${manifest.license ?? 'no license field'})\n${'='.repeat(78)}\n${text.trim()}\n`);
  }
  return parts.join('\n');
}

export async function buildCli({ quiet = false } = {}) {
  await rm(CLI_OUT_DIR, { recursive: true, force: true });
  const outputs = await build({
    configFile: false,
    root: ROOT,
    logLevel: quiet ? 'warn' : 'info',
    plugins: [workerEntries()],
    ssr: { noExternal: true, external: EXTERNAL, target: 'node' },
    build: {
      ssr: path.join(ROOT, 'src/cli/main.ts'),
      outDir: CLI_OUT_DIR,
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      sourcemap: false,
      copyPublicDir: false,
      rolldownOptions: {
        external: EXTERNAL,
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
      },
    },
  });
  await writeFile(path.join(CLI_OUT_DIR, 'THIRD-PARTY-LICENSES.txt'), await thirdPartyNotices(bundledPackages(outputs)));
  const launcher = path.join(CLI_OUT_DIR, 'quant-studio.js');
  await writeFile(launcher, LAUNCHER);
  await chmod(launcher, 0o755);
  const files = await readdir(CLI_OUT_DIR);
  const stray = files.filter((f) => !f.endsWith('.js') && f !== 'THIRD-PARTY-LICENSES.txt');
  if (stray.length) throw new Error(`build-cli: unexpected files in dist-cli/: ${stray.join(', ')}`);
  return files;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = await buildCli();
  process.stdout.write(`dist-cli/: ${files.length} files\n`);
}
