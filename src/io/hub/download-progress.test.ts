import { describe, expect, it } from 'vitest';
import { DownloadProgress, type HubDownloadProgress } from './download-progress.ts';

function counter() {
  const reports: HubDownloadProgress[] = [];
  let t = 0;
  const progress = new DownloadProgress((p) => reports.push(p), 0, () => (t += 1000));
  return { progress, reports, last: () => reports.at(-1)! };
}

describe('DownloadProgress passes', () => {
  it('counts an export from zero against the sizes less what the open read', () => {
    const { progress, last } = counter();
    progress.addFile('model.safetensors', 1000);
    progress.addFile('tokenizer.json', 200);
    progress.received('model.safetensors', 100); // the header, at open
    progress.received('tokenizer.json', 200);
    expect(last()).toMatchObject({ bytes: 300, totalBytes: 1200 });

    progress.restart();
    progress.received('model.safetensors', 450);
    expect(last()).toMatchObject({ bytes: 450, totalBytes: 900, file: { bytes: 450, size: 900 } });
    progress.received('model.safetensors', 450);
    expect(last()).toMatchObject({ bytes: 900, totalBytes: 900, etaSeconds: 0 });

    // A second export of the same model: never more than the model has.
    progress.restart();
    progress.received('model.safetensors', 900);
    expect(last()).toMatchObject({ bytes: 900, totalBytes: 900 });
    expect(progress.bytes).toBe(2100);
  });

  it('finish() reports each file of the pass as complete at what it fetched', () => {
    const { progress, reports, last } = counter();
    progress.addFile('a', 1000);
    progress.addFile('b', 1000);
    progress.restart();
    progress.received('a', 600);
    progress.received('b', 10);
    const before = reports.length;
    progress.finish();
    expect(reports.slice(before).map((r) => [r.file.file, r.file.bytes, r.file.size])).toEqual([['a', 600, 600], ['b', 10, 10]]);
    expect(last()).toMatchObject({ bytes: 610, totalBytes: 610, etaSeconds: 0 });
  });

  it('grows an estimate that a re-read exceeds instead of showing more than all', () => {
    const { progress, last } = counter();
    progress.addFile('a', 100);
    progress.received('a', 50);
    progress.restart();
    progress.received('a', 80);
    expect(last()).toMatchObject({ bytes: 80, totalBytes: 80, file: { bytes: 80, size: 80 } });
  });
});
