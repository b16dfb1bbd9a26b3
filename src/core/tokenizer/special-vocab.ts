// Special token ids, add_*_token flags and the chat template, found the way gguf-py's SpecialVocab
// finds them (first tokenizer.json + tokenizer_config.json, then config.json; the first value wins),
// and in the order it writes them: ids in discovery order, then flags, then the template.
import type { GgufKv } from '../gguf/gguf-value.ts';
import { isPlainObject } from '../json-input.ts';
import type { TokenizerConfigJson, TokenizerJson } from './tokenizer-json.ts';

type SpecialKind = 'bos' | 'eos' | 'unk' | 'sep' | 'pad' | 'cls' | 'mask' | 'eot' | 'eom';
const DEFAULT_KINDS: SpecialKind[] = ['bos', 'eos', 'unk', 'sep', 'pad', 'cls', 'mask'];

/** GGUF keys; kinds without a key (cls) are skipped, as the converter does. */
const ID_KEYS: Partial<Record<SpecialKind, string>> = {
  bos: 'tokenizer.ggml.bos_token_id',
  eos: 'tokenizer.ggml.eos_token_id',
  unk: 'tokenizer.ggml.unknown_token_id',
  sep: 'tokenizer.ggml.seperator_token_id', // sic: llama.cpp's spelling
  pad: 'tokenizer.ggml.padding_token_id',
  mask: 'tokenizer.ggml.mask_token_id',
  eot: 'tokenizer.ggml.eot_token_id',
  eom: 'tokenizer.ggml.eom_token_id',
};
const ADD_KEYS: Partial<Record<SpecialKind, string>> = {
  bos: 'tokenizer.ggml.add_bos_token',
  eos: 'tokenizer.ggml.add_eos_token',
  sep: 'tokenizer.ggml.add_sep_token',
};

export interface SpecialVocab {
  /** Insertion order matters: it is the KV order. */
  ids: Map<SpecialKind, number>;
  add: Map<SpecialKind, boolean>;
  chatTemplate: ChatTemplate | undefined;
}

/** A template, or named templates ("default" becomes tokenizer.chat_template). */
export type ChatTemplate = string | { name?: unknown; template?: unknown }[];

export interface SpecialVocabInputs {
  tokenizer: TokenizerJson;
  tokenizerConfig: TokenizerConfigJson | undefined;
  config: Record<string, unknown>;
  /** chat_template.jinja, when the folder has one (it wins over chat_template.json). */
  chatTemplateFile?: string;
  /** chat_template.json's "chat_template", when the folder has one. */
  chatTemplateJson?: unknown;
  tokenCount: number;
  /** Shown in errors: where tokenizer_config.json and config.json came from. */
  tokenizerConfigLabel?: string;
  configLabel?: string;
}

export function findSpecialVocab(inputs: SpecialVocabInputs): SpecialVocab {
  const { tokenizer, tokenCount } = inputs;
  const tc: TokenizerConfigJson | undefined = inputs.tokenizerConfig ? { ...inputs.tokenizerConfig } : undefined;
  const kinds = [...DEFAULT_KINDS];
  const result: SpecialVocab = { ids: new Map(), add: new Map(), chatTemplate: undefined };
  // gguf-py's _set_special_token: ids that are not integers are skipped, negative ones refused.
  const setId = (kind: SpecialKind, id: unknown, from: string) => {
    if (typeof id !== 'number' || !Number.isInteger(id)) return;
    if (id < 0) throw new Error(`${from}: special token ${kind} has the invalid id ${id}`);
    if (id < tokenCount && !result.ids.has(kind)) result.ids.set(kind, id);
  };
  readTemplateProcessing(tokenizer, tc, kinds, result.add);
  if (tc) {
    const alternative = inputs.chatTemplateFile ?? inputs.chatTemplateJson;
    const template = 'chat_template' in tc ? tc.chat_template : alternative;
    if (typeof template === 'string' || Array.isArray(template)) result.chatTemplate = template as ChatTemplate;
    const added = tokenizer.added_tokens ?? [];
    for (const kind of kinds) {
      const flag = tc[`add_${kind}_token`];
      if (typeof flag === 'boolean') result.add.set(kind, flag);
      const entry = tc[`${kind}_token`];
      const content = typeof entry === 'string' ? entry : (entry as { content?: unknown } | null)?.content;
      if (typeof content !== 'string') continue;
      setId(kind, added.find((t) => t.content === content)?.id, inputs.tokenizerConfigLabel ?? 'tokenizer_config.json');
    }
  }
  for (const kind of kinds) setId(kind, Object.hasOwn(inputs.config, `${kind}_token_id`) ? inputs.config[`${kind}_token_id`] : undefined, inputs.configLabel ?? 'config.json');
  return result;
}

/** The converter's crude reading of a TemplateProcessing post-processor (add bos/eos/sep). */
function readTemplateProcessing(tokenizer: TokenizerJson, tc: TokenizerConfigJson | undefined, kinds: SpecialKind[], add: Map<SpecialKind, boolean>): void {
  const post = tokenizer.post_processor as { processors?: unknown[]; type?: string } | null | undefined;
  if (!post) return;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  let bos = str(tc?.bos_token), eos = str(tc?.eos_token), cls = str(tc?.cls_token);
  const sep = str(tc?.sep_token);
  if (!bos && cls && tc) tc.bos_token = bos = cls;
  if (!eos && sep && tc) tc.eos_token = eos = sep;
  type Piece = { SpecialToken?: { id?: string }; Sequence?: { id?: string } };
  // Only well-formed parts are read; anything else in a hand-edited file is passed over, as a piece
  // without an id is. (@huggingface/tokenizers refuses a malformed post-processor when it loads.)
  const objects = <T>(v: unknown): T[] => (Array.isArray(v) ? v.filter(isPlainObject) as T[] : []);
  const pieces = (v: unknown): Piece[] => objects<Piece>(v).map((p) => ({
    SpecialToken: isPlainObject(p.SpecialToken) && typeof p.SpecialToken.id === 'string' ? { id: p.SpecialToken.id } : undefined,
    Sequence: isPlainObject(p.Sequence) && typeof p.Sequence.id === 'string' ? { id: p.Sequence.id } : undefined,
  }));
  const processors = Array.isArray(post.processors) ? objects<{ type?: unknown; single?: unknown; pair?: unknown }>(post.processors) : [post as { type?: unknown; single?: unknown; pair?: unknown }];
  for (const processor of processors) {
    const p = { type: processor.type, single: pieces(processor.single), pair: pieces(processor.pair) };
    if (p.type === 'RobertaProcessing') {
      add.set('bos', true); add.set('eos', true); add.set('sep', true);
      continue;
    }
    if (p.type !== 'TemplateProcessing') continue;
    const single = p.single ?? [];
    let pair = p.pair ?? [];
    let first: string | undefined, last: string | undefined;
    if (single.length > 1) {
      first = single[0]!.SpecialToken?.id;
      if (first) {
        if (!tc) bos = first;
        else if (first !== bos && first !== cls) {
          if (!bos) tc.bos_token = bos = first;
          if (!cls) tc.cls_token = cls = first;
        }
        add.set('bos', first === bos || first === cls);
      }
      last = single[single.length - 1]!.SpecialToken?.id;
      if (last) {
        if (!tc) eos = last;
        else if (last !== eos) {
          const fallback: SpecialKind | undefined = !kinds.includes('eot') ? 'eot' : !kinds.includes('eom') ? 'eom' : undefined;
          if (fallback) { kinds.push(fallback); tc[`${fallback}_token`] = eos; }
          tc.eos_token = eos = last;
        }
        add.set('eos', last === eos);
      }
    }
    if (pair.length) {
      const start = first && pair[0]!.SpecialToken?.id === first ? 1 : 0;
      const stop = last && pair[pair.length - 1]!.SpecialToken?.id === last ? pair.length - 1 : pair.length;
      pair = pair.slice(start, stop);
      if (pair.length && pair[0]!.Sequence?.id === 'A' && pair[pair.length - 1]!.Sequence?.id === 'B') {
        const middle = pair.slice(1, -1);
        if (middle.length) {
          let addSep = false;
          const e0 = middle[0]!.SpecialToken?.id;
          if (e0 && (e0 === sep || e0 === eos) && !last) addSep = true;
          if (middle.length === 2) {
            const e1 = middle[1]!.SpecialToken?.id;
            if (e1 && (e1 === sep || e1 === eos)) addSep = true;
          }
          add.set('sep', addSep);
          if (addSep && !sep && tc) tc.sep_token = eos;
        }
      }
    }
  }
}

export function specialVocabKvs(special: SpecialVocab): GgufKv[] {
  const kvs: GgufKv[] = [];
  for (const [kind, id] of special.ids) {
    const key = ID_KEYS[kind];
    if (key) kvs.push({ key, value: { type: 'u32', value: id } });
  }
  for (const [kind, flag] of special.add) {
    const key = ADD_KEYS[kind];
    if (key) kvs.push({ key, value: { type: 'bool', value: flag } });
  }
  if (special.chatTemplate !== undefined) kvs.push(...chatTemplateKvs(special.chatTemplate));
  return kvs;
}

/**
 * gguf-py's add_chat_template: named templates as tokenizer.chat_template.<name> (non-alphanumerics
 * in the name become "_"), their names in tokenizer.chat_templates, then "default" as the template.
 */
export function chatTemplateKvs(template: ChatTemplate): GgufKv[] {
  if (typeof template === 'string') return [{ key: 'tokenizer.chat_template', value: { type: 'string', value: template } }];
  const kvs: GgufKv[] = [];
  const names: string[] = [];
  let fallback: string | undefined;
  for (const choice of template) {
    if (!isPlainObject(choice)) continue;
    const name = (typeof choice.name === 'string' ? choice.name : '').replace(/[^A-Za-z0-9]/g, '_');
    if (!name || typeof choice.template !== 'string') continue;
    if (name === 'default') fallback = choice.template;
    else {
      if (!names.includes(name)) names.push(name);
      kvs.push({ key: `tokenizer.chat_template.${name}`, value: { type: 'string', value: choice.template } });
    }
  }
  // Python builds the name list as a set (its order is not stable there); ours keeps file order.
  if (names.length) kvs.push({ key: 'tokenizer.chat_templates', value: { type: 'array', itemType: 'string', value: names } });
  if (fallback !== undefined) kvs.push({ key: 'tokenizer.chat_template', value: { type: 'string', value: fallback } });
  return kvs;
}
