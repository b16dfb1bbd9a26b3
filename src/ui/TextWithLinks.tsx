import { splitLinks } from './text-links.ts';

/** A message whose addresses are links (opened in a new tab, so the studio's work stays). */
export function TextWithLinks({ text }: { text: string }) {
  return splitLinks(text).map((part, i) =>
    'href' in part ? (
      <a key={i} href={part.href} target="_blank" rel="noreferrer">
        {part.href}
      </a>
    ) : (
      part.text
    ),
  );
}
