// The comparison's verdicts and its Markdown and SVG: a pair meets the target when the dynamic
// recipe's mean KLD averaged over domains is at most the ratio of the mix's; the tail and the
// same-top checks hold in every domain or fail; without measurements the predicted KL decides.
import { describe, expect, it } from 'vitest';
import { comparisonMarkdown, comparisonSvg, pairVerdicts, type ComparedFile, type Comparison, type DomainMeasures } from '../../src/core/eval/comparison-report.ts';

const d = (domain: string, meanKld: number, p99_9Kld = 10 * meanKld, sameTop = 0.9): DomainMeasures => ({ domain, meanKld, medianKld: meanKld / 2, p99Kld: 5 * meanKld, p99_9Kld, sameTop, pplRatio: 1 + meanKld });
const file = (name: string, kind: 'mix' | 'dynamic', sizeOf: string, bytes: number, predictedKld: number, domains: DomainMeasures[]): ComparedFile => ({
  name, kind, sizeOf, bytes, bitsPerWeight: (bytes * 8) / 1e6, predictedKld, domains,
});

const comparison = (files: ComparedFile[]): Comparison => ({ model: 'owner/model', calibration: 'calib.txt', domains: ['code', 'prose'], targetRatio: 0.5, files });

describe('pairVerdicts', () => {
  it('compares the KLD averaged over domains, and checks the tail and same top in every domain', () => {
    const v = pairVerdicts(comparison([
      file('Q4_K_M', 'mix', 'Q4_K_M', 500_000, 0.02, [d('code', 0.04), d('prose', 0.02)]),
      // code 0.3x, prose 0.6x: 0.024 against 0.06 over both, 0.4x; the prose tail is worse, same top lower in code.
      file('dynamic@Q4_K_M', 'dynamic', 'Q4_K_M', 499_000, 0.01, [d('code', 0.012, 0.1, 0.85), d('prose', 0.012, 0.3)]),
    ]));
    expect(v).toHaveLength(1);
    expect(v[0]!.ratio).toBeCloseTo(0.4, 12);
    expect(v[0]!.domainRatios.map((r) => r.ratio)).toEqual([0.3, 0.6].map((x) => expect.closeTo(x, 12)));
    expect(v[0]!).toMatchObject({ mix: 'Q4_K_M', measured: true, meetsTarget: true, tailNoWorse: false, sameTopNoWorse: false, noLarger: true });
  });

  it('falls back to the predicted KL when nothing was measured', () => {
    const [v] = pairVerdicts(comparison([
      file('Q2_K', 'mix', 'Q2_K', 300_000, 0.1, []),
      file('dynamic@Q2_K', 'dynamic', 'Q2_K', 300_001, 0.06, []),
    ]));
    expect(v).toMatchObject({ measured: false, meetsTarget: false, noLarger: false });
    expect(v!.ratio).toBeCloseTo(0.6, 12);
  });
});

describe('comparison tables and chart', () => {
  const c = comparison([
    file('Q2_K', 'mix', 'Q2_K', 300_000, 0.1, [d('code', 0.2), d('prose', 0.1)]),
    file('dynamic@Q2_K', 'dynamic', 'Q2_K', 299_000, 0.04, [d('code', 0.05), d('prose', 0.04)]),
    file('Q6_K', 'mix', 'Q6_K', 800_000, 0.001, [d('code', 0.002), d('prose', 0.001)]),
    file('dynamic@Q6_K', 'dynamic', 'Q6_K', 800_000, 0.0009, [d('code', 0.0019), d('prose', 0.0009)]),
  ]);

  it('writes one summary row per size, one row per file and one per file and domain', () => {
    const md = comparisonMarkdown(c);
    expect(md).toContain('| Q2_K | 1.50e-1 | 4.50e-2 | 0.30× | yes | prose 0.40× | yes | yes | yes |');
    expect(md).toMatch(/\| Q6_K \| 1\.50e-3 \| 1\.40e-3 \| 0\.93× \| \*\*no\*\* \| code 0\.95× \|/);
    expect(md.match(/^\| dynamic@Q2_K \| (code|prose) \|/gm)).toHaveLength(2);
    expect(md).toContain('Measured on code, prose (domains weigh equally).');
  });

  it('draws one panel per domain with a point per file', () => {
    const svg = comparisonSvg(c);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<circle [^>]*><title>/g)).toHaveLength(8);
    expect(svg).toContain('>code</text>');
    expect(svg).toContain('>prose</text>');
    expect(svg).toContain('<title>dynamic@Q2_K: 5.000e-2</title>');
  });
});
