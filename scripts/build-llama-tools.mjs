#!/usr/bin/env node
// Builds llama.cpp's own tools (llama-quantize, llama-imatrix, llama-perplexity, llama-gguf-split) from the source
// that node-llama-cpp ships (llama/gitRelease.bundle, a git bundle), offline, into a cache outside
// the repository. Reused when present. Prints the bin folder on stdout.
//   node scripts/build-llama-tools.mjs            # build if missing
// Cache: $QUANT_STUDIO_CACHE or ~/.cache/quant-studio.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, homedir } from 'node:os';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '..');
const LLAMA_PKG = path.join(REPO, 'node_modules/node-llama-cpp');
const TOOLS = ['llama-quantize', 'llama-imatrix', 'llama-perplexity', 'llama-gguf-split'];

export function llamaToolsDir() {
  const version = JSON.parse(readFileSync(path.join(LLAMA_PKG, 'package.json'), 'utf8')).version;
  const cache = process.env.QUANT_STUDIO_CACHE ?? path.join(homedir(), '.cache/quant-studio');
  return { root: path.join(cache, `llama.cpp-node-llama-cpp-${version}`), version };
}

export function buildLlamaTools({ log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  const { root } = llamaToolsDir();
  const bin = path.join(root, 'build/bin');
  if (TOOLS.every((t) => existsSync(path.join(bin, t)))) return bin;
  const src = path.join(root, 'src');
  const bundle = path.join(LLAMA_PKG, 'llama/gitRelease.bundle');
  if (!existsSync(bundle)) throw new Error(`llama.cpp source bundle not found at ${bundle} (is node-llama-cpp installed?)`);
  mkdirSync(root, { recursive: true });
  if (!existsSync(path.join(src, 'CMakeLists.txt'))) {
    rmSync(src, { recursive: true, force: true });
    log(`extracting llama.cpp source from ${bundle}`);
    execFileSync('git', ['-c', 'advice.detachedHead=false', 'clone', '--quiet', bundle, src], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const build = path.join(root, 'build');
  log(`building ${TOOLS.join(', ')} in ${build} (a few minutes, once)`);
  const flags = [
    '-DCMAKE_BUILD_TYPE=Release', '-DLLAMA_OPENSSL=OFF', '-DLLAMA_CURL=OFF', '-DLLAMA_BUILD_TESTS=OFF',
    '-DLLAMA_BUILD_SERVER=OFF', '-DLLAMA_BUILD_APP=OFF', '-DLLAMA_BUILD_EXAMPLES=OFF',
    '-DLLAMA_USE_PREBUILT_UI=OFF', '-DGGML_NATIVE=OFF', '-DBUILD_SHARED_LIBS=OFF',
  ];
  execFileSync('cmake', ['-S', src, '-B', build, ...flags], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('cmake', ['--build', build, '--target', ...TOOLS, '-j', String(Math.max(1, cpus().length))], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (const t of TOOLS) if (!existsSync(path.join(bin, t))) throw new Error(`llama.cpp build did not produce ${t}`);
  return bin;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${buildLlamaTools()}\n`);
}
