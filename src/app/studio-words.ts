// Messages from code the CLI shares (core, io) name command-line flags and environment variables;
// on the page the same advice is a field or a button. The shared messages stay as the CLI tests
// assert them, and the page rewrites them here before showing them.

const REWRITES: readonly [RegExp, string][] = [
  [/Give an imatrix \(--imatrix\)/g, 'Load or compute an importance matrix'],
  [/ \(--imatrix\)/g, ''],
  [/Choose another type for it \(--tensor-type\)/g, 'Choose another type for it in the heatmap'],
  [/, or allow it \(--allow-requantize\)/g, ''],
  [/check HF_TOKEN/g, 'check the access token'],
  [/give a write token \(HF_TOKEN\)/g, 'give a write token'],
  [/needs a write token \(HF_TOKEN\)/g, 'needs a write token'],
  [/ \(HF_TOKEN\)/g, ''],
];

/** `message` in the studio's words: no flags or environment variables the page has no place for. */
export function studioWords(message: string): string {
  return REWRITES.reduce((text, [pattern, words]) => text.replace(pattern, words), message);
}
