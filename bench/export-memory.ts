// Peak resident memory of a CLI export, read from /proc while the child runs (VmHWM is the
// kernel's own high-water mark, so polling cannot miss the peak, only its last few ms).
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

async function highWaterMark(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export async function runAndMeasurePeakRss(command: string, args: string[]): Promise<{ peakRss: number; seconds: number; stderr: string }> {
  const started = performance.now();
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let peak = 0;
  const timer = setInterval(async () => {
    const hwm = await highWaterMark(child.pid!);
    if (hwm) peak = Math.max(peak, hwm);
  }, 20);
  const code: number = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  clearInterval(timer);
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`);
  return { peakRss: peak, seconds: (performance.now() - started) / 1000, stderr };
}
