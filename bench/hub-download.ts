// Benchmark: a CLI export straight from a (local stand-in) Hub, rate-limited like a fast link.
// A generated BF16 Llama larger than 4 GB is served at BENCH_HUB_RATE_MB (MB/s; default 200, or a
// list such as "200,100" to measure several rates on one generated model); we report
//  - the export's peak RSS against twice the largest tensor + 300 MB (and a local-folder export's),
//  - its wall time against downloading the same bytes alone (ranged requests, same rate), and
//    against the local-folder export (the compute alone): with download and quantization
//    overlapped, the Hub export should take about the longer of the two, not their sum.
// The model is generated into the temp folder and deleted afterwards. Prints figures; never fails on time.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Semaphore } from '../src/io/hub/semaphore.ts';
import { generateLlamaModel, type GeneratedModelShape } from '../test/helpers/generate-model.ts';
import { startHubServer, type HubServer } from '../test/helpers/hub-server.ts';
import { runAndMeasurePeakRss } from './export-memory.ts';

const MB = 1e6;
const REPO_ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(REPO_ROOT, 'bin/quant-studio.mjs');
const REPO_ID = 'bench/generated-llama';

/** A plain download of every file, 16 MiB ranged requests, 4 in flight (as the Hub client does). */
async function downloadAlone(server: HubServer, names: string[], sizes: number[], repoId = REPO_ID): Promise<number> {
  const started = performance.now();
  const semaphore = new Semaphore(4);
  const commit = server.commitOf(repoId);
  const jobs: Promise<void>[] = [];
  names.forEach((name, i) => {
    for (let start = 0; start < sizes[i]!; start += 16 << 20) {
      const end = Math.min(sizes[i]!, start + (16 << 20)) - 1;
      jobs.push(semaphore.use(async () => {
        const r = await fetch(`${server.url}/${repoId}/resolve/${commit}/${name}`, { headers: { range: `bytes=${start}-${end}` } });
        const got = (await r.arrayBuffer()).byteLength;
        if (got !== end - start + 1) throw new Error(`${name}: got ${got} bytes for ${start}-${end}`);
      }));
    }
  });
  await Promise.all(jobs);
  return (performance.now() - started) / 1000;
}

function ratesFromEnv(): number[] {
  const text = process.env.BENCH_HUB_RATE_MB ?? '200';
  const rates = text.split(',').map((r) => Number(r.trim()));
  if (rates.some((r) => !(r > 0))) throw new Error(`BENCH_HUB_RATE_MB=${text}: expected MB/s, or a comma-separated list of them`);
  return rates.map((r) => r * MB);
}

/**
 * bench:gpu section 4: a CLI export (`quantize hf://… --backend gpu`) of a model folder served by
 * the local Hub server (no rate limit), against downloading the same files alone.
 */
export async function benchGpuHubExport(o: { label: string; dir: string; type: string; extraArgs: string[]; work: string }): Promise<void> {
  const repoId = `bench/${path.basename(o.dir)}`;
  // What the export reads: the weights, config and tokenizer files (not the generator's stamp).
  const names = (await readdir(o.dir)).filter((n) => /\.(safetensors|json|model)$/.test(n) && n !== 'size-model.json').sort();
  const sizes = await Promise.all(names.map(async (n) => (await stat(path.join(o.dir, n))).size));
  const out = path.join(o.work, 'hub-export.gguf');
  const server = await startHubServer({ repos: { [repoId]: { dir: o.dir } } });
  try {
    await fetch(`${server.url}/api/models/${repoId}/tree/main?recursive=true`).then((r) => r.text()); // hashes the files once, before timing
    const download = await downloadAlone(server, names, sizes, repoId);
    process.env.HF_ENDPOINT = server.url;
    const exported = await runAndMeasurePeakRss(process.execPath, [CLI, 'quantize', `hf://${repoId}`, '--type', o.type, ...o.extraArgs, '--backend', 'gpu', '-o', out])
      .finally(() => delete process.env.HF_ENDPOINT);
    const summary = /wrote .*/.exec(exported.stderr)?.[0] ?? '';
    const bytes = sizes.reduce((a, b) => a + b, 0);
    console.log(`\n## 4. Export from the local Hub server: ${o.label}, ${(bytes / 1e9).toFixed(2)} GB in ${names.length} files, --type ${o.type} ${o.extraArgs.join(' ')} --backend gpu`);
    console.log('| run | seconds | GB/s | peak RSS MB |');
    console.log('|---|---:|---:|---:|');
    console.log(`| download alone (ranged, 4 in flight) | ${download.toFixed(2)} | ${(bytes / 1e9 / download).toFixed(2)} | — |`);
    console.log(`| CLI export from hf:// on the GPU | ${exported.seconds.toFixed(2)} | ${(bytes / 1e9 / exported.seconds).toFixed(2)} | ${(exported.peakRss / MB).toFixed(0)} |`);
    console.log(`export ÷ download alone: ${(exported.seconds / download).toFixed(2)}x; the CLI: ${summary}`);
  } finally {
    await server.close();
    await rm(out, { force: true });
  }
}

export async function hubDownloadBench(): Promise<void> {
  const rates = ratesFromEnv();
  const type = process.env.BENCH_HUB_TYPE ?? 'Q8_0';
  const layers = Number(process.env.BENCH_HUB_LAYERS ?? 13);
  const shape: GeneratedModelShape = { hidden: 4096, intermediate: 11008, layers, heads: 32, kvHeads: 8, vocab: 512 };
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-hub-'));
  try {
    const modelBytes = await generateLlamaModel(dir, shape, { dtype: 'BF16', tokenizerFrom: path.resolve(REPO_ROOT, '../shared/fixtures/stories260K') });
    const largestBf16 = shape.intermediate * shape.hidden * 2;
    const target = 2 * largestBf16 + 300 * MB;
    const names = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors'];
    const sizes = await Promise.all(names.map(async (n) => (await stat(path.join(dir, n))).size));
    const out = path.join(dir, 'out.gguf');
    const cliArgs = (source: string) => [CLI, 'quantize', source, '--type', type, '--backend', 'cpu', '-o', out];
    // The compute alone does not depend on the rate: measured once.
    const local = await runAndMeasurePeakRss(process.execPath, cliArgs(dir));
    const threads = /on cpu \((\d+) thread/.exec(local.stderr)?.[1] ?? '?';
    await rm(out);
    for (const rate of rates) {
      const server = await startHubServer({ repos: { [REPO_ID]: { dir } }, bytesPerSecond: rate });
      try {
        await downloadAlone(server, ['config.json'], [sizes[0]!]); // warms the server's sha256 of the listing path
        await fetch(`${server.url}/api/models/${REPO_ID}/tree/main?recursive=true`).then((r) => r.text()); // hashes the files once, before timing

        console.log(`\n## Hub export: generated BF16 Llama, ${(modelBytes / MB).toFixed(0)} MB, served at ${(rate / MB).toFixed(0)} MB/s, --type ${type}, cpu (${threads} quantizer threads)`);
        const download = await downloadAlone(server, names, sizes);
        process.env.HF_ENDPOINT = server.url;
        process.env.QUANT_STUDIO_HUB_STATS = '1';
        const hub = await runAndMeasurePeakRss(process.execPath, cliArgs(`hf://${REPO_ID}`)).finally(() => {
          delete process.env.HF_ENDPOINT;
          delete process.env.QUANT_STUDIO_HUB_STATS;
        });
        const outBytes = (await stat(out)).size;
        await rm(out);
        const stats = JSON.parse(/hub-stats (.*)/.exec(hub.stderr)?.[1] ?? '{}') as { bytesReceived?: number; refetchedForVerification?: number; peakHeldForVerification?: number };
        console.log('| run | seconds | peak RSS MB | RSS / (2 x largest tensor + 300 MB) |');
        console.log('|---|---:|---:|---:|');
        console.log(`| download alone (ranged, 4 in flight) | ${download.toFixed(1)} | — | — |`);
        console.log(`| CLI export from the local folder (compute alone) | ${local.seconds.toFixed(1)} | ${(local.peakRss / MB).toFixed(0)} | ${(local.peakRss / target).toFixed(2)} |`);
        console.log(`| CLI export from hf:// | ${hub.seconds.toFixed(1)} | ${(hub.peakRss / MB).toFixed(0)} | ${(hub.peakRss / target).toFixed(2)} |`);
        console.log(`largest tensor ${(largestBf16 / MB).toFixed(0)} MB (BF16), RSS target ${(target / MB).toFixed(0)} MB; output ${(outBytes / MB).toFixed(0)} MB`);
        console.log(`hub export / download alone: ${(hub.seconds / download).toFixed(2)}x (goal 1.15x); ` +
          `hub export / max(download, local export): ${(hub.seconds / Math.max(download, local.seconds)).toFixed(2)}x`);
        console.log(`downloaded ${((stats.bytesReceived ?? 0) / MB).toFixed(0)} MB, of which ${((stats.refetchedForVerification ?? 0) / MB).toFixed(0)} MB re-read only for sha256; ` +
          `at most ${((stats.peakHeldForVerification ?? 0) / MB).toFixed(0)} MB held for in-order hashing`);
      } finally {
        await server.close();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await hubDownloadBench();
