// The evidence of one evaluated file for a model card: every domain's measures (mean, median, 99%
// and 99.9% KLD, same top token, perplexity ratio) as a Markdown table, JSON, and an SVG chart
// (per domain, the KL divergence's median, mean and tails on a log axis). The studio writes these
// after an evaluation; `compare` (comparison-report.ts) writes the many-file version. Pure: text only.
import { domainMeasures, type DomainMeasures } from './comparison-report.ts';
import type { GreedyAgreement } from './greedy-agreement.ts';
import type { KldReport } from './kld-report.ts';

export interface EvaluatedDomain {
  name: string;
  chunks: number;
  contextSize: number;
  report: KldReport;
}

export interface FileEvaluation {
  model: string;
  file: string;
  bytes: number;
  /** Bits per weight of the file, where known. */
  bitsPerWeight: number | null;
  domains: readonly EvaluatedDomain[];
  /** Greedy-continuation agreement, where prompts were given. */
  greedy?: GreedyAgreement;
}

export interface FileEvaluationJson {
  model: string;
  file: string;
  bytes: number;
  bitsPerWeight: number | null;
  domains: (DomainMeasures & { chunks: number; contextSize: number; positions: number })[];
  greedy?: GreedyAgreement;
}

export function fileEvaluationJson(e: FileEvaluation): FileEvaluationJson {
  return {
    model: e.model, file: e.file, bytes: e.bytes, bitsPerWeight: e.bitsPerWeight,
    domains: e.domains.map((d) => ({ ...domainMeasures(d.name, d.report), chunks: d.chunks, contextSize: d.contextSize, positions: d.report.positions })),
    ...(e.greedy ? { greedy: e.greedy } : {}),
  };
}

const sci = (v: number) => (v === 0 ? '0' : v.toExponential(2));
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const escapeCell = (s: string) => s.replace(/\|/g, '\\|');

export function fileEvaluationMarkdown(e: FileEvaluation): string {
  const size = `${(e.bytes / 1024 / 1024).toFixed(2)} MiB${e.bitsPerWeight === null ? '' : `, ${e.bitsPerWeight.toFixed(3)} bpw`}`;
  const lines = [
    `## ${escapeCell(e.file)} against ${escapeCell(e.model)}`,
    '',
    `${size}. KL divergence of the next-token distributions against the unquantized model, per text domain (llama-perplexity's statistics).`,
    '',
    '| domain | chunks | mean KLD | median KLD | 99% KLD | 99.9% KLD | same top | PPL ratio |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const d of e.domains) {
    const m = domainMeasures(d.name, d.report);
    lines.push(`| ${escapeCell(d.name)} | ${d.chunks} × ${d.contextSize} | ${sci(m.meanKld)} | ${sci(m.medianKld)} | ${sci(m.p99Kld)} | ${sci(m.p99_9Kld)} | ${pct(m.sameTop)} | ${m.pplRatio.toFixed(4)} |`);
  }
  if (e.greedy) {
    const g = e.greedy;
    lines.push('', `Greedy continuations: ${pct(g.identical)} of ${g.prompts} prompts continue exactly as the unquantized model's for ${g.tokens} tokens; `
      + `${g.meanAgreedPrefix.toFixed(1)} tokens agree before the first difference on average; the top token agrees at ${pct(g.tokenAgreement)} of the positions.`);
  }
  return `${lines.join('\n')}\n`;
}

const escapeXml = (s: string) => s.replace(/[<>&"]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[ch]!);

const MARKERS = [
  { label: 'median', colour: '#7c8a9e', value: (m: DomainMeasures) => m.medianKld },
  { label: 'mean', colour: '#1a73e8', value: (m: DomainMeasures) => m.meanKld },
  { label: '99%', colour: '#e8710a', value: (m: DomainMeasures) => m.p99Kld },
  { label: '99.9%', colour: '#c5221f', value: (m: DomainMeasures) => m.p99_9Kld },
];

/** One row per domain: where its median, mean, 99% and 99.9% KLD fall on a log axis, with its same-top rate. */
export function fileEvaluationSvg(e: FileEvaluation): string {
  const measures = e.domains.map((d) => domainMeasures(d.name, d.report));
  const rowH = 34;
  const m = { left: 150, right: 110, top: 44, bottom: 58 };
  const width = 720;
  const height = m.top + Math.max(1, measures.length) * rowH + m.bottom;
  const values = measures.flatMap((d) => MARKERS.map((k) => k.value(d))).filter((v) => v > 0);
  const lo = Math.floor(Math.log10(values.length ? Math.min(...values) : 1e-4));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(values.length ? Math.max(...values) : 1e-3)));
  const x = (v: number) => m.left + ((Math.log10(v) - lo) / (hi - lo)) * (width - m.left - m.right);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(`${e.file}: KL divergence against ${e.model}, per domain`)}</text>`,
    `<text x="${width - m.right + 8}" y="${m.top - 8}" font-weight="bold">same top</text>`,
  ];
  for (let p = lo; p <= hi; p++) {
    out.push(`<line x1="${x(10 ** p)}" x2="${x(10 ** p)}" y1="${m.top - 4}" y2="${height - m.bottom}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${x(10 ** p)}" y="${height - m.bottom + 14}" text-anchor="middle">1e${p}</text>`);
  }
  out.push(`<text x="${(m.left + width - m.right) / 2}" y="${height - m.bottom + 30}" text-anchor="middle">KL divergence (nats, log scale)</text>`);
  measures.forEach((d, i) => {
    const cy = m.top + i * rowH + rowH / 2;
    out.push(`<text x="${m.left - 8}" y="${cy + 4}" text-anchor="end">${escapeXml(d.domain.length > 22 ? `${d.domain.slice(0, 21)}…` : d.domain)}</text>`);
    const inRange = MARKERS.map((k) => k.value(d)).filter((v) => v > 0);
    if (inRange.length > 1) out.push(`<line x1="${x(Math.min(...inRange)).toFixed(1)}" x2="${x(Math.max(...inRange)).toFixed(1)}" y1="${cy}" y2="${cy}" stroke="#bbb" stroke-width="2"/>`);
    for (const k of MARKERS) {
      const v = k.value(d);
      if (v > 0) out.push(`<circle cx="${x(v).toFixed(1)}" cy="${cy}" r="5" fill="${k.colour}"><title>${escapeXml(`${d.domain} ${k.label}: ${v.toExponential(3)}`)}</title></circle>`);
    }
    out.push(`<text x="${width - m.right + 8}" y="${cy + 4}">${pct(d.sameTop)}</text>`);
  });
  const ly = height - 12;
  MARKERS.forEach((k, i) => {
    out.push(`<circle cx="${m.left + i * 110}" cy="${ly - 4}" r="5" fill="${k.colour}"/><text x="${m.left + i * 110 + 9}" y="${ly}">${k.label} KLD</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
