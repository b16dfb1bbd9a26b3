// Benchmark: `quant-studio push` of a file larger than 1 GB to the local Hub stand-in, in both
// LFS transfers (multipart: 16 MiB parts, five in flight; basic: one PUT of the whole file).
// The file is sparse with a random MiB every 64 MiB (BENCH_PUSH_MB, default 1200); the CLI runs
// as a child process whose peak RSS (VmHWM) is sampled; the Hub checks the sha256 of what it
// stored. Prints size, wall time, MB/s and peak RSS; never fails on time.
//   node --import ./bin/register-ts.mjs bench/hub-push.ts
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startHubServer } from '../test/helpers/hub-server.ts';
import { runAndMeasurePeakRss } from './export-memory.ts';

const MB = 1e6;
const MiB = 1 << 20;
const CLI = path.resolve(import.meta.dirname, '../bin/quant-studio.mjs');
const TOKEN = 'hf_bench_writer';

async function sparseFile(file: string, bytes: number): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.truncate(bytes);
    for (let at = 0; at + MiB <= bytes; at += 64 * MiB) await handle.write(randomBytes(MiB), 0, MiB, at);
  } finally {
    await handle.close();
  }
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * MiB }) as AsyncIterable<Buffer>) h.update(chunk);
  return h.digest('hex');
}

async function main(): Promise<void> {
  const size = Math.round(Number(process.env.BENCH_PUSH_MB ?? 1200) * MB);
  const work = await mkdtemp(path.join(tmpdir(), 'bench-hub-push-'));
  try {
    const file = path.join(work, 'big-Q4_K_M.gguf');
    await sparseFile(file, size);
    const sha = await sha256File(file);
    const baseline = await runAndMeasurePeakRss(process.execPath, [CLI, '--help']);
    console.log(`push of ${(size / MB).toFixed(0)} MB (sparse, random MiB every 64 MiB) to the local Hub; node + CLI at rest: ${(baseline.peakRss / MB).toFixed(0)} MB RSS`);
    console.log('transfer    seconds   MB/s   peak RSS   stored sha256 ok');
    for (const mode of ['multipart', 'basic'] as const) {
      const server = await startHubServer({
        repos: {},
        write: { storeDir: path.join(work, `store-${mode}`), tokens: { [TOKEN]: ['bench'] }, multipartThreshold: mode === 'multipart' ? 64 * MiB : size + 1, chunkSize: 16 * MiB },
      });
      try {
        process.env.HF_TOKEN = TOKEN;
        process.env.HF_ENDPOINT = server.url;
        const run = await runAndMeasurePeakRss(process.execPath, [CLI, 'push', `bench/push-${mode}`, file, '--no-card']);
        const stored = (await server.storedObjects()).includes(sha);
        console.log(`${mode.padEnd(10)} ${run.seconds.toFixed(1).padStart(8)} ${(size / MB / run.seconds).toFixed(0).padStart(6)} ${`${(run.peakRss / MB).toFixed(0)} MB`.padStart(10)}   ${stored}`);
      } finally {
        await server.close();
        await rm(path.join(work, `store-${mode}`), { recursive: true, force: true });
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
