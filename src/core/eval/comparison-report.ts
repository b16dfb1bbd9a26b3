// The evidence a model card can carry: llama.cpp's mixes against dynamic recipes of the same size,
// each file measured on several text domains (mean, median, 99% and 99.9% KLD, same top token,
// perplexity ratio) and, optionally, by greedy-continuation agreement. Written as a Markdown
// table, JSON, and an SVG chart (one panel per domain); pure, so the CLI and the studio share it.
import type { GreedyAgreement } from './greedy-agreement.ts';
import type { KldReport } from './kld-report.ts';

export interface DomainMeasures {
  domain: string;
  meanKld: number;
  medianKld: number;
  p99Kld: number;
  p99_9Kld: number;
  /** 0..1 */
  sameTop: number;
  pplRatio: number;
}

export interface ComparedFile {
  /** "Q4_K_M", or "dynamic@Q4_K_M" for the recipe of that mix's size. */
  name: string;
  kind: 'mix' | 'dynamic';
  /** The mix whose size the file has. */
  sizeOf: string;
  bytes: number;
  bitsPerWeight: number;
  predictedKld: number;
  /** One per domain, in the comparison's domain order; empty when nothing was measured. */
  domains: DomainMeasures[];
  greedy?: GreedyAgreement;
  /** A dynamic file's types, where the whole-recipe check replaced the size's own allocation ("Q3_K_S itself", "the allocation at Q2_K's size"). */
  origin?: string;
  /** Multiple-choice answers that differ from the unquantized model's, of `questions`. */
  choices?: { questions: number; flips: number };
}

export interface Comparison {
  model: string;
  /** Where the imatrix and the sensitivity came from, in words (e.g. the calibration file). */
  calibration: string;
  domains: string[];
  /** The dynamic recipe's mean KLD the comparison aims at, as a fraction of the mix's (e.g. 0.5). */
  targetRatio: number;
  files: ComparedFile[];
}

export function domainMeasures(domain: string, r: KldReport): DomainMeasures {
  return {
    domain, meanKld: r.kld.mean.value, medianKld: r.kld.median, p99Kld: r.kld.p99, p99_9Kld: r.kld.p99_9,
    sameTop: r.sameTop.value, pplRatio: r.pplRatio.value,
  };
}

/** Domains weigh equally: the mean of a measure over the file's domains. */
export function overDomains(f: ComparedFile, measure: (d: DomainMeasures) => number): number | null {
  return f.domains.length ? f.domains.reduce((s, d) => s + measure(d), 0) / f.domains.length : null;
}

export interface PairVerdict {
  mix: string;
  mixFile: ComparedFile;
  dynamicFile: ComparedFile;
  /** dynamic ÷ mix mean KLD, each averaged over the domains (measured), or predicted where nothing was measured. */
  ratio: number;
  measured: boolean;
  /** Per domain: dynamic ÷ mix mean KLD. */
  domainRatios: { domain: string; ratio: number }[];
  meetsTarget: boolean;
  /** In every domain: 99.9% KLD no higher, same-top rate no lower than the mix's. */
  tailNoWorse: boolean;
  sameTopNoWorse: boolean;
  noLarger: boolean;
}

export function pairVerdicts(c: Comparison): PairVerdict[] {
  const verdicts: PairVerdict[] = [];
  for (const mixFile of c.files.filter((f) => f.kind === 'mix')) {
    const dynamicFile = c.files.find((f) => f.kind === 'dynamic' && f.sizeOf === mixFile.sizeOf);
    if (!dynamicFile) continue;
    const measured = mixFile.domains.length > 0 && dynamicFile.domains.length === mixFile.domains.length;
    const domainRatios = measured ? mixFile.domains.map((d, i) => ({ domain: d.domain, ratio: dynamicFile.domains[i]!.meanKld / d.meanKld })) : [];
    const kld = (f: ComparedFile) => (measured ? overDomains(f, (d) => d.meanKld)! : f.predictedKld);
    const ratio = kld(dynamicFile) / kld(mixFile);
    verdicts.push({
      mix: mixFile.sizeOf, mixFile, dynamicFile, ratio, measured, domainRatios,
      meetsTarget: ratio <= c.targetRatio,
      tailNoWorse: measured && mixFile.domains.every((d, i) => dynamicFile.domains[i]!.p99_9Kld <= d.p99_9Kld),
      sameTopNoWorse: measured && mixFile.domains.every((d, i) => dynamicFile.domains[i]!.sameTop >= d.sameTop),
      noLarger: dynamicFile.bytes <= mixFile.bytes,
    });
  }
  return verdicts;
}

const sci = (v: number) => (v === 0 ? '0' : v.toExponential(2));
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(2)} MiB`;
const yesNo = (b: boolean) => (b ? 'yes' : '**no**');

export function comparisonMarkdown(c: Comparison): string {
  const verdicts = pairVerdicts(c);
  const measured = verdicts.some((v) => v.measured);
  const withGreedy = c.files.some((f) => f.greedy);
  const withChoices = c.files.some((f) => f.choices);
  const lines: string[] = [
    `## ${c.model}: llama.cpp's mixes against dynamic recipes of the same size`,
    '',
    `Calibration: ${c.calibration}. ${measured ? `Measured on ${c.domains.join(', ')} (domains weigh equally).` : 'Predicted from the sensitivity measurement (no evaluation text given).'}`,
    '',
    `| size of | mix KLD | dynamic KLD | dynamic ÷ mix | ≤ ${c.targetRatio}× | worst domain | 99.9% KLD no worse | same top no worse | no larger |`,
    '|---|---:|---:|---:|:-:|---|:-:|:-:|:-:|',
  ];
  for (const v of verdicts) {
    const kld = (f: ComparedFile) => sci(overDomains(f, (d) => d.meanKld) ?? f.predictedKld);
    const worst = v.domainRatios.reduce<{ domain: string; ratio: number } | null>((w, d) => (!w || d.ratio > w.ratio ? d : w), null);
    lines.push(`| ${v.mix} | ${kld(v.mixFile)} | ${kld(v.dynamicFile)} | ${v.ratio.toFixed(2)}× | ${yesNo(v.meetsTarget)} | ${worst ? `${worst.domain} ${worst.ratio.toFixed(2)}×` : '–'} | ${v.measured ? yesNo(v.tailNoWorse) : '–'} | ${v.measured ? yesNo(v.sameTopNoWorse) : '–'} | ${yesNo(v.noLarger)} |`);
  }
  lines.push('', '### Every file', '');
  const head = ['file', 'size', 'bpw', 'predicted KLD'];
  if (measured) head.push('mean KLD', 'median KLD', '99% KLD', '99.9% KLD', 'same top', 'PPL ratio');
  if (withGreedy) head.push('greedy identical', 'agreed prefix');
  if (withChoices) head.push('choice flips');
  lines.push(`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const f of c.files) {
    const cells = [f.name, mib(f.bytes), f.bitsPerWeight.toFixed(3), sci(f.predictedKld)];
    if (measured) {
      const o = (m: (d: DomainMeasures) => number, fmt: (v: number) => string) => { const v = overDomains(f, m); return v === null ? '–' : fmt(v); };
      cells.push(o((d) => d.meanKld, sci), o((d) => d.medianKld, sci), o((d) => d.p99Kld, sci), o((d) => d.p99_9Kld, sci), o((d) => d.sameTop, pct), o((d) => d.pplRatio, (v) => v.toFixed(4)));
    }
    if (withGreedy) cells.push(f.greedy ? pct(f.greedy.identical) : '–', f.greedy ? `${f.greedy.meanAgreedPrefix.toFixed(1)} of ${f.greedy.tokens}` : '–');
    if (withChoices) cells.push(f.choices ? `${f.choices.flips} of ${f.choices.questions}` : '–');
    lines.push(`| ${cells.join(' | ')} |`);
  }
  if (measured) {
    lines.push('', '### Per domain', '', '| file | domain | mean KLD | median KLD | 99% KLD | 99.9% KLD | same top | PPL ratio |', '|---|---|---:|---:|---:|---:|---:|---:|');
    for (const f of c.files) {
      for (const d of f.domains) lines.push(`| ${f.name} | ${d.domain} | ${sci(d.meanKld)} | ${sci(d.medianKld)} | ${sci(d.p99Kld)} | ${sci(d.p99_9Kld)} | ${pct(d.sameTop)} | ${d.pplRatio.toFixed(4)} |`);
    }
  }
  if (withGreedy) {
    const g = c.files.find((f) => f.greedy)!.greedy!;
    lines.push('', `Greedy identical: the share of ${g.prompts} prompts whose first ${g.tokens} greedy tokens are the unquantized model's; agreed prefix: how many of them agree before the first difference, on average.`);
  }
  return `${lines.join('\n')}\n`;
}

const escapeXml = (s: string) => s.replace(/[<>&"]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[ch]!);

/**
 * Mean KLD (log scale) against bits per weight, one panel per domain (or one of predicted KLD when
 * nothing was measured): mixes as labelled orange points joined in size order, dynamic recipes as
 * blue ones.
 */
export function comparisonSvg(c: Comparison): string {
  const measured = c.files.some((f) => f.domains.length > 0);
  const panels = measured ? c.domains.map((domain, i) => ({ title: domain, value: (f: ComparedFile) => f.domains[i]?.meanKld })) : [{ title: 'predicted', value: (f: ComparedFile) => f.predictedKld }];
  const pw = 340;
  const ph = 260;
  const m = { left: 58, right: 12, top: 28, bottom: 40 };
  const cols = Math.min(panels.length, 3);
  const rows = Math.ceil(panels.length / cols);
  const width = cols * pw;
  const height = rows * ph + 48;
  const bpws = c.files.map((f) => f.bitsPerWeight);
  const xMin = Math.floor(Math.min(...bpws) * 2) / 2;
  const xMax = Math.ceil(Math.max(...bpws) * 2) / 2 || xMin + 1;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(`${c.model}: ${measured ? 'mean KL divergence' : 'predicted KL divergence'} against bits per weight`)}</text>`,
  ];
  panels.forEach((panel, p) => {
    const ox = (p % cols) * pw;
    const oy = 28 + Math.floor(p / cols) * ph;
    const values = c.files.map(panel.value).filter((v): v is number => v !== undefined && v > 0);
    const yLo = Math.floor(Math.log10(Math.min(...values)));
    const yHi = Math.max(yLo + 1, Math.ceil(Math.log10(Math.max(...values))));
    const x = (bpw: number) => ox + m.left + ((bpw - xMin) / (xMax - xMin || 1)) * (pw - m.left - m.right);
    const y = (v: number) => oy + m.top + (1 - (Math.log10(v) - yLo) / (yHi - yLo)) * (ph - m.top - m.bottom);
    const labels: { x: number; y: number; w: number }[] = [];
    out.push(`<text x="${ox + pw / 2}" y="${oy + 16}" text-anchor="middle" font-weight="bold">${escapeXml(panel.title)}</text>`);
    out.push(`<rect x="${ox + m.left}" y="${oy + m.top}" width="${pw - m.left - m.right}" height="${ph - m.top - m.bottom}" fill="none" stroke="#999"/>`);
    for (let e = yLo; e <= yHi; e++) {
      out.push(`<line x1="${ox + m.left}" x2="${ox + pw - m.right}" y1="${y(10 ** e)}" y2="${y(10 ** e)}" stroke="#eee"/>`);
      out.push(`<text x="${ox + m.left - 4}" y="${y(10 ** e) + 4}" text-anchor="end">1e${e}</text>`);
    }
    for (let b = xMin; b <= xMax + 1e-9; b += 1) out.push(`<text x="${x(b)}" y="${oy + ph - m.bottom + 14}" text-anchor="middle">${b}</text>`);
    out.push(`<text x="${ox + m.left + (pw - m.left - m.right) / 2}" y="${oy + ph - 10}" text-anchor="middle">bits per weight</text>`);
    for (const [kind, colour] of [['mix', '#e8710a'], ['dynamic', '#1a73e8']] as const) {
      const points = c.files.filter((f) => f.kind === kind).map((f) => ({ f, v: panel.value(f) })).filter((q): q is { f: ComparedFile; v: number } => q.v !== undefined && q.v > 0)
        .sort((a, b) => a.f.bitsPerWeight - b.f.bitsPerWeight);
      if (points.length > 1) out.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${points.map((q) => `${x(q.f.bitsPerWeight).toFixed(1)},${y(q.v).toFixed(1)}`).join(' ')}"/>`);
      for (const q of points) {
        out.push(`<circle cx="${x(q.f.bitsPerWeight).toFixed(1)}" cy="${y(q.v).toFixed(1)}" r="3" fill="${colour}"><title>${escapeXml(`${q.f.name}: ${q.v.toExponential(3)}`)}</title></circle>`);
        if (kind === 'mix') {
          // Mixes close in size would print over each other: a label moves up a line, or is left out (its point keeps a tooltip).
          const lx = x(q.f.bitsPerWeight) + 4;
          const width = 5.5 * q.f.sizeOf.length;
          const ly = [0, 1, 2].map((k) => y(q.v) - 5 - 10 * k).find((cy) => !labels.some((b) => lx < b.x + b.w && b.x < lx + width && Math.abs(cy - b.y) < 10));
          if (ly !== undefined) {
            labels.push({ x: lx, y: ly, w: width });
            out.push(`<text x="${lx.toFixed(1)}" y="${ly.toFixed(1)}" font-size="9" fill="#8a4a0a">${escapeXml(q.f.sizeOf)}</text>`);
          }
        }
      }
    }
  });
  const ly = height - 10;
  out.push(`<circle cx="${12}" cy="${ly - 4}" r="4" fill="#e8710a"/><text x="20" y="${ly}">llama.cpp mix (same imatrix)</text>`);
  out.push(`<circle cx="${200}" cy="${ly - 4}" r="4" fill="#1a73e8"/><text x="208" y="${ly}">dynamic recipe at the mix's size</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
