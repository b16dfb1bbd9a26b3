// One evaluated file's evidence: a Markdown row, a JSON entry and an SVG row per domain, each with
// that domain's own figures (the KldReport's mean, median, 99% and 99.9% KLD, same top, PPL ratio).
import { describe, expect, it } from 'vitest';
import { fileEvaluationJson, fileEvaluationMarkdown, fileEvaluationSvg, type FileEvaluation } from '../../src/core/eval/evaluation-report.ts';
import type { KldReport } from '../../src/core/eval/kld-report.ts';

const report = (mean: number, sameTop: number): KldReport => {
  const v = (value: number) => ({ value, error: 0 });
  const dist = { max: 8 * mean, p99_9: 6 * mean, p99: 4 * mean, p95: 3 * mean, p90: 2 * mean, median: mean / 2, p10: mean / 10, p5: mean / 20, p1: mean / 100, p0_1: mean / 1000, min: 0 };
  return {
    positions: 100, pplQuant: v(11), pplBase: v(10), lnPplCorrelation: 0.99, lnPplRatio: v(Math.log(1.1)), pplRatio: v(1 + mean), pplDiff: v(1),
    kld: { mean: v(mean), ...dist }, deltaP: { mean: v(0), ...dist, p75: 0, p25: 0 }, rmsDeltaP: v(0.01), sameTop: v(sameTop),
  };
};

const evaluation: FileEvaluation = {
  model: 'owner/model', file: 'model-Q4_K_M.gguf', bytes: 3 * 1024 * 1024, bitsPerWeight: 4.891,
  domains: [
    { name: 'prose', chunks: 8, contextSize: 512, report: report(0.02, 0.95) },
    { name: 'code | snippets', chunks: 3, contextSize: 512, report: report(0.05, 0.9) },
  ],
};

describe('fileEvaluationMarkdown', () => {
  it('writes one row per domain with its own figures, the size and bits per weight', () => {
    const md = fileEvaluationMarkdown(evaluation);
    expect(md).toContain('3.00 MiB, 4.891 bpw');
    expect(md).toContain('| prose | 8 × 512 | 2.00e-2 | 1.00e-2 | 8.00e-2 | 1.20e-1 | 95.0% | 1.0200 |');
    // A pipe in a name would end the cell early.
    expect(md).toContain('| code \\| snippets | 3 × 512 | 5.00e-2 | 2.50e-2 | 2.00e-1 | 3.00e-1 | 90.0% | 1.0500 |');
  });
});

describe('fileEvaluationJson', () => {
  it('lists every domain in order with its measures and where they were measured', () => {
    const json = fileEvaluationJson(evaluation);
    expect(json.domains.map((d) => d.domain)).toEqual(['prose', 'code | snippets']);
    expect(json.domains[1]).toMatchObject({ meanKld: 0.05, medianKld: 0.025, p99Kld: 0.2, p99_9Kld: expect.closeTo(0.3, 12), sameTop: 0.9, pplRatio: 1.05, chunks: 3, contextSize: 512, positions: 100 });
    expect(json).toMatchObject({ model: 'owner/model', file: 'model-Q4_K_M.gguf', bytes: 3 * 1024 * 1024, bitsPerWeight: 4.891 });
  });
});

describe('fileEvaluationSvg', () => {
  it('draws a row of four markers per domain, each further right for a larger KLD', () => {
    const svg = fileEvaluationSvg(evaluation);
    const markers = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="5" fill="[^"]+"><title>([^<]+)<\/title>/g)];
    expect(markers).toHaveLength(8);
    const cx = (title: string) => Number(markers.find((m) => m[3]!.startsWith(title))![1]);
    expect(cx('prose median')).toBeLessThan(cx('prose mean'));
    expect(cx('prose mean')).toBeLessThan(cx('prose 99%'));
    expect(cx('prose 99%')).toBeLessThan(cx('prose 99.9%'));
    expect(cx('prose mean')).toBeLessThan(cx('code | snippets mean'));
    expect(svg).toContain('>95.0%<');
    expect(svg).toContain('>90.0%<');
  });
});
