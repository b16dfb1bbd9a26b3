// From a few measured KL figures to a cost for every candidate. Quantization noise that moves a
// tensor's output by a small δ raises the KL by about ½ δᵀFδ, so per tensor the KL tracks the
// imatrix-weighted error: KL ≈ a·E^β (β near 1). Two probes per tensor fix a and β; one probe
// fixes a with β = 1. Tensors without a measurement get a prior: the weighted error scaled by the
// typical measured gain and by architecture rules of thumb (llama.cpp's mixes spend extra bits on
// the same tensors: attn_v, ffn_down, the first and last layers, embeddings and output).
import type { TensorRole } from '../model/plan-types.ts';
import type { CandidateCost, TensorSensitivity } from './sensitivity-types.ts';

const TINY = 1e-12;

export function roleWeight(role: TensorRole, layer: number | null, layerCount: number): number {
  const base: Partial<Record<TensorRole, number>> = { token_embd: 2, output: 3, attn_v: 2, attn_qkv: 2, ffn_down: 1.5, attn_output: 1.2 };
  const edge = layer !== null && (layer === 0 || layer === layerCount - 1) ? 1.5 : 1;
  return (base[role] ?? 1) * edge;
}

/** A candidate's measured KL, else its estimated one. */
const knownKld = (c: CandidateCost): number | undefined => c.measuredKld ?? c.estimatedKld;

/** a and β of KL ≈ a·E^β from this tensor's measured (or estimated) candidates, or null when none is usable. */
export function fitPowerLaw(candidates: readonly CandidateCost[]): { a: number; beta: number } | null {
  const pts = candidates.filter((c) => knownKld(c) !== undefined && c.weightedError > TINY).map((c) => ({ x: Math.log(c.weightedError), y: Math.log(Math.max(knownKld(c)!, TINY)) }));
  if (pts.length === 0) return null;
  let beta = 1;
  if (pts.length >= 2) {
    const mx = pts.reduce((s, p) => s + p.x, 0) / pts.length;
    const my = pts.reduce((s, p) => s + p.y, 0) / pts.length;
    const sxx = pts.reduce((s, p) => s + (p.x - mx) ** 2, 0);
    const sxy = pts.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
    // Noise on tiny KLs can give any slope; physically it lies near 1.
    if (sxx > 1e-6) beta = Math.min(2, Math.max(0.5, sxy / sxx));
  }
  const a = Math.exp(pts.reduce((s, p) => s + p.y - beta * p.x, 0) / pts.length);
  return { a, beta };
}

/** Fills every candidate's `kld` and `basis` (measured ones keep their measurement). */
export function completeCosts(tensors: TensorSensitivity[], layerCount: number): void {
  const fits = new Map(tensors.map((t) => [t.name, fitPowerLaw(t.candidates)]));
  // Typical gain KL/E, normalised by the role weight, for the tensors nobody measured.
  const gains = tensors.flatMap((t) => {
    const f = fits.get(t.name);
    return f ? [f.a / roleWeight(t.role, t.layer, layerCount)] : [];
  }).sort((x, y) => x - y);
  const typicalGain = gains.length ? gains[Math.floor(gains.length / 2)]! : 1;
  for (const t of tensors) {
    const fit = fits.get(t.name);
    for (const c of t.candidates) {
      if (c.measuredKld !== undefined) {
        c.kld = Math.max(0, c.measuredKld);
        c.basis = 'measured';
      } else if (c.estimatedKld !== undefined) {
        c.kld = Math.max(0, c.estimatedKld);
        c.basis = 'estimated';
      } else if (fit) {
        c.kld = fit.a * Math.max(c.weightedError, 0) ** fit.beta;
        c.basis = 'fitted';
      } else {
        c.kld = typicalGain * roleWeight(t.role, t.layer, layerCount) * c.weightedError;
        c.basis = 'prior';
      }
    }
  }
}
