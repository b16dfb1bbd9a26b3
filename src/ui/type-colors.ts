// One colour per ggml type, ordered from cool (wide floats) to hot (few bits), so a heatmap reads
// as "where did the bits go" at a glance. `ink` is the text colour that stays legible on it
// (at least 4.5:1, WCAG's ratio for text; type-colors.test.ts checks every pair).
import type { GgmlTypeName } from '../core/ggml-type.ts';

export interface TypeColor {
  fill: string;
  ink: string;
}

const light = '#f8fafc';
const dark = '#0b1020';

export const TYPE_COLORS: Record<GgmlTypeName, TypeColor> = {
  F32: { fill: '#64748b', ink: light },
  F16: { fill: '#2563eb', ink: light },
  BF16: { fill: '#7c6cf2', ink: dark },
  Q8_0: { fill: '#14b8a6', ink: dark },
  Q8_1: { fill: '#2dd4bf', ink: dark },
  Q8_K: { fill: '#5eead4', ink: dark },
  Q6_K: { fill: '#34d399', ink: dark },
  Q5_1: { fill: '#84cc16', ink: dark },
  Q5_0: { fill: '#bef264', ink: dark },
  Q5_K: { fill: '#a3e635', ink: dark },
  Q4_1: { fill: '#facc15', ink: dark },
  Q4_0: { fill: '#fb923c', ink: dark },
  Q4_K: { fill: '#fbbf24', ink: dark },
  IQ4_NL: { fill: '#fdba74', ink: dark },
  IQ4_XS: { fill: '#fed7aa', ink: dark },
  MXFP4: { fill: '#f59e0b', ink: dark },
  NVFP4: { fill: '#d97706', ink: dark },
  Q3_K: { fill: '#f87171', ink: dark },
  IQ3_S: { fill: '#fca5a5', ink: dark },
  IQ3_XXS: { fill: '#ef4444', ink: dark },
  Q2_K: { fill: '#cf1d45', ink: light },
  Q2_0: { fill: '#be123c', ink: light },
  IQ2_S: { fill: '#c8246c', ink: light },
  IQ2_XS: { fill: '#c026d3', ink: light },
  IQ2_XXS: { fill: '#a21caf', ink: light },
  TQ2_0: { fill: '#9333ea', ink: light },
  IQ1_M: { fill: '#7e22ce', ink: light },
  IQ1_S: { fill: '#6b21a8', ink: light },
  TQ1_0: { fill: '#581c87', ink: light },
  Q1_0: { fill: '#3b0764', ink: light },
};
