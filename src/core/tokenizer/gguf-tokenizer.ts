// Text -> ids with the tokenizer a GGUF carries, as llama.cpp's llama_tokenize does
// (src/llama-vocab.cpp): special tokens are cut out of the text first (longest first; control and
// unknown tokens only when parsing specials, user-defined ones always), then every remaining
// fragment goes through the vocabulary's algorithm:
// - "llama" (SentencePiece-style): spaces become U+2581, a U+2581 is prefixed to the first fragment
//   and to every fragment after a special token (add_space_prefix), then adjacent symbols merge,
//   the pair whose concatenation is the highest-scored token first (leftmost on ties); symbols that
//   are not tokens become their UTF-8 bytes' <0xXX> tokens;
// - "gpt2" (byte-level BPE): the pre-tokenizer's regexes split the fragment into words, each word's
//   UTF-8 bytes are written as GPT-2's byte characters, and merges apply by rank (lowest first,
//   leftmost on ties); ignore_merges pre-tokenizers take a word that is a token whole.
import { ATTR, tokenAttributes } from './token-attributes.ts';
import { preTokenize } from './llama-pre-tokenizer.ts';
import type { GgufVocab } from './gguf-vocab.ts';

export interface GgufTokenizer {
  /** Ids of `text`, no BOS; `parseSpecial`: control tokens written in the text become their ids. */
  encode(text: string, parseSpecial: boolean): number[];
  vocab: GgufVocab;
}

/** Binary min-heap by `before`. */
class Heap<T> {
  private readonly items: T[] = [];
  constructor(private readonly before: (a: T, b: T) => boolean) {}
  get size(): number {
    return this.items.length;
  }
  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): T {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.before(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

/** A run of the text being merged: [start, start + n) of the fragment; n = 0 once merged away. */
interface Piece { start: number; n: number; prev: number; next: number }

/** Symbols of `text`, one per code point (llama.cpp's one per UTF-8 character). */
function symbolsOf(text: string, from = 0): Piece[] {
  const symbols: Piece[] = [];
  for (let at = from; at < text.length;) {
    const n = text.codePointAt(at)! > 0xffff ? 2 : 1;
    symbols.push({ start: at, n, prev: symbols.length - 1, next: at + n < text.length ? symbols.length + 1 : -1 });
    at += n;
  }
  return symbols;
}

function mergeInto(symbols: Piece[], left: number, right: number): void {
  const l = symbols[left]!;
  const r = symbols[right]!;
  l.n += r.n;
  r.n = 0;
  l.next = r.next;
  if (r.next >= 0) symbols[r.next]!.prev = left;
}

const utf8 = new TextEncoder();

/** GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the rest for U+0100 on. */
const BYTE_CHARS: string[] = (() => {
  const chars: string[] = [];
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    chars.push(String.fromCharCode(printable ? b : next++));
  }
  return chars;
})();

function byteEncode(word: string): string {
  let out = '';
  for (const b of utf8.encode(word)) out += BYTE_CHARS[b];
  return out;
}

const C_ISSPACE = (c: string) => c === ' ' || (c >= '\t' && c <= '\r');
const WORD_CACHE_LIMIT = 1 << 16;

export function ggufTokenizer(vocab: GgufVocab, file: string): GgufTokenizer {
  const { tokens, scores } = vocab;
  const idOf = new Map<string, number>();
  tokens.forEach((t, id) => idOf.set(t, id)); // a repeated text: the last id wins, as in llama.cpp's map

  // Special tokens, longest (in UTF-8 bytes) first; Phi-3 gives them rstrip.
  const attrs = tokenAttributes(vocab, idOf);
  const specialIds = tokens.map((_, id) => id).filter((id) => (attrs[id]! & (ATTR.CONTROL | ATTR.USER_DEFINED | ATTR.UNKNOWN)) !== 0);
  const byteLength = specialIds.map((id) => utf8.encode(tokens[id]!).length);
  const order = specialIds.map((_, i) => i).sort((a, b) => byteLength[b]! - byteLength[a]! || specialIds[a]! - specialIds[b]!);
  const rstrip = new Set<number>();
  if (vocab.modelName.includes('phi-3') || vocab.modelName.includes('phi3')) {
    for (const id of specialIds) rstrip.add(id);
    const eos = idOf.get('</s>');
    if (eos !== undefined) rstrip.add(eos);
    for (const t of ['<unk>', '<s>', '<|endoftext|>']) {
      const id = idOf.get(t);
      if (id !== undefined) rstrip.delete(id);
    }
  }
  const specials = order.map((i) => ({ id: specialIds[i]!, text: tokens[specialIds[i]!]!, always: (attrs[specialIds[i]!]! & (ATTR.CONTROL | ATTR.UNKNOWN)) === 0 }));

  type Fragment = string | number;
  function partition(text: string, parseSpecial: boolean): Fragment[] {
    let fragments: Fragment[] = text === '' ? [] : [text];
    for (const special of specials) {
      if (!parseSpecial && !special.always) continue;
      if (!fragments.some((f) => typeof f === 'string' && f.includes(special.text))) continue;
      const next: Fragment[] = [];
      for (const f of fragments) {
        if (typeof f !== 'string') {
          next.push(f);
          continue;
        }
        let rest = f;
        for (let at = rest.indexOf(special.text); at >= 0; at = rest.indexOf(special.text)) {
          if (at > 0) next.push(rest.slice(0, at));
          next.push(special.id);
          let from = at + special.text.length;
          if (rstrip.has(special.id)) while (from < rest.length && C_ISSPACE(rest[from]!)) from++;
          rest = rest.slice(from);
        }
        if (rest.length > 0) next.push(rest);
      }
      fragments = next;
    }
    return fragments;
  }

  /** byte_to_token for SentencePiece vocabularies: <0xXX>, else the byte itself. */
  function byteToken(b: number): number {
    const hex = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
    const id = idOf.get(hex) ?? (b < 0x80 ? idOf.get(String.fromCharCode(b)) : undefined);
    if (id === undefined) throw new Error(`${file}: the vocabulary has no token for the byte ${hex} (llama.cpp fails on this text too)`);
    return id;
  }

  function spm(text: string, out: number[]): void {
    const symbols = symbolsOf(text);
    type Bigram = { left: number; right: number; score: number; size: number };
    const queue = new Heap<Bigram>((a, b) => a.score > b.score || (a.score === b.score && a.left < b.left));
    const tryAdd = (left: number, right: number) => {
      if (left < 0 || right < 0) return;
      const l = symbols[left]!;
      const size = l.n + symbols[right]!.n;
      const id = idOf.get(text.substr(l.start, size));
      if (id === undefined) return;
      queue.push({ left, right, score: scores[id]!, size });
    };
    for (let i = 1; i < symbols.length; i++) tryAdd(i - 1, i);
    while (queue.size > 0) {
      const b = queue.pop();
      const l = symbols[b.left]!;
      const r = symbols[b.right]!;
      if (l.n === 0 || r.n === 0 || l.n + r.n !== b.size) continue;
      mergeInto(symbols, b.left, b.right);
      tryAdd(l.prev, b.left);
      tryAdd(b.left, l.next);
    }
    for (let i = symbols.length > 0 ? 0 : -1; i !== -1; i = symbols[i]!.next) {
      const s = symbols[i]!;
      const piece = text.substr(s.start, s.n);
      const id = idOf.get(piece);
      if (id !== undefined) out.push(id);
      else for (const b of utf8.encode(piece)) out.push(byteToken(b));
    }
  }

  const ranks = new Map<string, number>();
  vocab.merges.forEach((m, rank) => {
    const space = m.indexOf(' ', 1);
    const key = space < 0 ? '\u0000' : `${m.slice(0, space)}\u0000${m.slice(space + 1)}`;
    if (!ranks.has(key)) ranks.set(key, rank);
  });
  const wordCache = new Map<string, number[]>();

  function bpeWord(word: string): number[] {
    const whole = vocab.pre!.ignoreMerges ? idOf.get(word) : undefined;
    if (whole !== undefined) return [whole];
    const symbols = symbolsOf(word);
    type Bigram = { left: number; right: number; rank: number; text: string };
    const queue = new Heap<Bigram>((a, b) => a.rank < b.rank || (a.rank === b.rank && a.left < b.left));
    const tryAdd = (left: number, right: number) => {
      if (left < 0 || right < 0) return;
      const l = symbols[left]!;
      const r = symbols[right]!;
      const rank = ranks.get(`${word.substr(l.start, l.n)}\u0000${word.substr(r.start, r.n)}`);
      if (rank === undefined) return;
      queue.push({ left, right, rank, text: word.substr(l.start, l.n + r.n) });
    };
    for (let i = 1; i < symbols.length; i++) tryAdd(i - 1, i);
    while (queue.size > 0) {
      const b = queue.pop();
      const l = symbols[b.left]!;
      const r = symbols[b.right]!;
      if (l.n === 0 || r.n === 0) continue;
      if (r.start !== l.start + l.n || word.substr(l.start, l.n + r.n) !== b.text) continue;
      mergeInto(symbols, b.left, b.right);
      tryAdd(l.prev, b.left);
      tryAdd(b.left, l.next);
    }
    const ids: number[] = [];
    for (const s of symbols) {
      if (s.n === 0) continue;
      const piece = word.substr(s.start, s.n);
      const id = idOf.get(piece);
      if (id !== undefined) {
        ids.push(id);
        continue;
      }
      // llama.cpp looks each byte of the piece's UTF-8 up as a one-byte token; only ASCII can be one.
      for (const b of utf8.encode(piece)) {
        const single = b < 0x80 ? idOf.get(String.fromCharCode(b)) : undefined;
        if (single !== undefined) ids.push(single);
      }
    }
    return ids;
  }

  function bpe(text: string, out: number[]): void {
    for (const raw of preTokenize(text, vocab.pre!.regexes)) {
      const word = byteEncode(raw);
      let ids = wordCache.get(word);
      if (!ids) {
        ids = bpeWord(word);
        if (wordCache.size >= WORD_CACHE_LIMIT) wordCache.clear();
        wordCache.set(word, ids);
      }
      for (const id of ids) out.push(id);
    }
  }

  return {
    vocab,
    encode(text, parseSpecial) {
      const out: number[] = [];
      let prevSpecial = true;
      for (const f of partition(text, parseSpecial)) {
        if (typeof f === 'number') {
          out.push(f);
          prevSpecial = true;
        } else if (vocab.kind === 'spm') {
          const prefixed = vocab.addSpacePrefix && prevSpecial ? ` ${f}` : f;
          spm(prefixed.replaceAll(' ', '\u2581'), out);
          prevSpecial = false;
        } else {
          bpe(f, out);
        }
      }
      return out;
    },
  };
}
