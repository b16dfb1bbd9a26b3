// Addresses inside a message (a gated repo's licence page, a token settings page) become links:
// a user should click them, not copy them out of an alert.

export type TextPart = { text: string } | { href: string };

const URL_PATTERN = /https?:\/\/[^\s<>"')\]]+/g;

/** The message cut into text and addresses; a sentence's closing punctuation stays text. */
export function splitLinks(message: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of message.matchAll(URL_PATTERN)) {
    const href = match[0].replace(/[.,;:!?]+$/, '');
    const start = match.index!;
    if (start > last) parts.push({ text: message.slice(last, start) });
    parts.push({ href });
    last = start + href.length;
  }
  if (last < message.length) parts.push({ text: message.slice(last) });
  return parts;
}
