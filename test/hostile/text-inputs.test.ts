// One minimal reproducer for each kind of defect the fuzzing found in the JSON and text inputs:
// hangs (templates, patterns), unbounded allocations (config values, templates, choices), engine
// errors instead of named ones, and values accepted that llama.cpp's converter refuses or that
// would be written as something else (u32/i32 wrap, inherited property names, shapes).
import { describe, expect, it } from 'vitest';
import { assembleCalibrationStream } from '../../src/core/calibration/assemble.ts';
import type { CalibrationTokenizer } from '../../src/core/calibration/calibration-tokenizer.ts';
import { parseRecipe } from '../../src/core/dynamic/recipe.ts';
import { parseSensitivityTable } from '../../src/core/dynamic/sensitivity-types.ts';
import { parseChoiceTasks } from '../../src/core/eval/choice-tasks.ts';
import { loadTextTokenizer } from '../../src/core/forward/tokenize.ts';
import { parseGgmlTypeName } from '../../src/core/ggml-type.ts';
import { planModel } from '../../src/core/model/plan-model.ts';
import { parseTypeOverrideFile } from '../../src/core/recipe/choose-types.ts';
import { storiesFolder, storiesWith } from '../fuzz/targets/fixtures.ts';

const withConfig = async (change: (c: Record<string, unknown>) => void) => {
  const folder = await storiesFolder();
  const config = structuredClone(folder.json['config.json']);
  change(config);
  return planModel(storiesWith(folder, { 'config.json': JSON.stringify(config) }));
};

describe('config.json and generation_config.json', () => {
  it('refuses an integer that a u32 key would wrap', async () => {
    await expect(withConfig((c) => { c.max_position_embeddings = 2 ** 32; })).rejects.toThrow(/stories260K\/config\.json: "max_position_embeddings" must be a positive integer of at most 4294967295 \(got 4294967296\)/);
  });
  it('stops at the first missing layer instead of listing 4 billion layers (unbounded memory)', async () => {
    const started = performance.now();
    await expect(withConfig((c) => { c.num_hidden_layers = 2 ** 32 - 1; })).rejects.toThrow(/the safetensors files have no tensor for "blk\.5\.attn_norm\.weight"/);
    expect(performance.now() - started).toBeLessThan(2000);
  });
  it('refuses hyperparameters that disagree with the tensors, naming the fields (llama.cpp refuses the file)', async () => {
    await expect(withConfig((c) => { c.intermediate_size = 171; })).rejects.toThrow(/^model\.safetensors: tensor "model\.layers\.0\.mlp\.down_proj\.weight" has shape \[64, 172\], but stories260K\/config\.json \(hidden_size 64, intermediate_size 171\) implies \[64, 171\]; llama\.cpp would refuse the file$/);
    await expect(withConfig((c) => { c.num_key_value_heads = 8; })).rejects.toThrow(/k_proj\.weight" has shape \[32, 64\], but .*num_key_value_heads 8.* implies \[64, 64\]/);
  });
  it('refuses a float past float32 instead of writing infinity', async () => {
    await expect(withConfig((c) => { c.rms_norm_eps = 1e300; })).rejects.toThrow(/"rms_norm_eps" must be a number within float32's range \(got 1e\+300\)/);
  });
  it('refuses a negative special token id naming the file it came from', async () => {
    await expect(withConfig((c) => { c.bos_token_id = -1; })).rejects.toThrow(/^stories260K\/config\.json: special token bos has the invalid id -1$/);
  });
  it('refuses a sampling value that its i32 key would wrap', async () => {
    const folder = await storiesFolder();
    const files = storiesWith(folder, { 'generation_config.json': JSON.stringify({ top_k: 2 ** 32 }) });
    await expect(planModel(files)).rejects.toThrow(/^stories260K\/generation_config\.json: "top_k" = 4294967296 does not fit general\.sampling\.top_k, a 32-bit integer$/);
  });
});

describe('tokenizer.json', () => {
  const withVocab = async (change: (t: { model: { vocab: Record<string, unknown> }; decoder?: unknown }) => void) => {
    const folder = await storiesFolder();
    const tokenizer = structuredClone(folder.json['tokenizer.json']) as { model: { vocab: Record<string, unknown> } };
    change(tokenizer);
    return storiesWith(folder, { 'tokenizer.json': JSON.stringify(tokenizer) });
  };
  it('refuses ids that are not non-negative integers instead of dropping the token', async () => {
    await expect(planModel(await withVocab((t) => { t.model.vocab['<0x41>'] = -3; }))).rejects.toThrow(/stories260K\/tokenizer\.json: "model\.vocab" gives token "<0x41>" the id -3/);
    await expect(planModel(await withVocab((t) => { t.model.vocab['<0x41>'] = 1.5; }))).rejects.toThrow(/the id 1\.5/);
  });
  it('refuses two tokens with one id (one of them would vanish from the GGUF)', async () => {
    await expect(planModel(await withVocab((t) => { t.model.vocab.extra = 7; }))).rejects.toThrow(/the same id 7/);
  });
  it('names the file when the tokenizer library cannot build it', async () => {
    const files = await withVocab((t) => { t.decoder = { type: 'Sequence', decoders: [{ type: { nested: true } }] }; });
    await expect(loadTextTokenizer(files)).rejects.toThrow(/^stories260K\/tokenizer\.json: "decoder\.decoders\[0\]" must be an object with a "type" string/);
  });
});

describe('chat templates', () => {
  const bytes: CalibrationTokenizer = { encode: (s) => Array.from(new TextEncoder().encode(s)), bos: null, special: {} };
  const render = (template: string) => assembleCalibrationStream([{ kind: 'chat', messages: [{ role: 'user', content: 'hi' }], origin: 'set.jsonl:1' }], bytes, { chatTemplate: template, templateLabel: 'chat_template.jinja' });

  it('stops a template that doubles a string until memory runs out', () => {
    expect(() => render("{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}"))
      .toThrow(/^set\.jsonl:1: rendering with chat_template\.jinja failed: the chat template was stopped: it built a string of more than 8,000,000 characters$/);
  });
  it('stops nested loops with empty bodies (a hang) within its time budget', () => {
    const started = performance.now();
    expect(() => render('{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}')).toThrow(/the chat template was stopped: it (took more than|ran longer than)/);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
  it('stops endless macro recursion and a gigabyte indent before they run', () => {
    expect(() => render('{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}')).toThrow(/the chat template was stopped: (it nested deeper|it ran out of room)/);
    expect(() => render("{{ 'x' | indent(500000000) }}")).toThrow(/the chat template was stopped: it asked for a string of 500,000,000 characters/);
    expect(' '.repeat(3)).toBe('   ');
  });
  it('turns the parser\'s engine errors on cut-off input into a named error', () => {
    expect(() => render('{{ messages[0].content | ')).toThrow(/^chat_template\.jinja: the chat template does not parse/);
  });
});

describe('recipes, tensor-type files, sensitivity tables, choices', () => {
  const recipe = { format: 'quant-studio-recipe', version: 1, provenance: { model: 'm' }, target: null, baseMix: 'constructor', fileBytes: 1, bitsPerWeight: 8, predictedKld: null, tensors: [] };
  it('refuses an inherited property name as a mix', () => {
    expect(() => parseRecipe(JSON.stringify(recipe), 'r.json')).toThrow(/^r\.json: "baseMix" must be a llama-quantize file type \(got "constructor"\)$/);
    expect(() => parseRecipe(JSON.stringify({ ...recipe, baseMix: 'Q4_K_M', tensors: [{ name: 'a', type: 'toString' }] }), 'r.json')).toThrow(/r\.json: tensor "a": "type" must be a ggml type name \(got "toString"\)/);
  });
  it('matches a catastrophic pattern in linear time, and refuses what needs backtracking', () => {
    const [override] = parseTypeOverrideFile('(.*)*(.*)*(.*)*x=q4_0', parseGgmlTypeName, 'types.txt');
    const started = performance.now();
    expect(override!.pattern.test(`blk.0.attn_v.weight${'a'.repeat(5000)}`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(() => parseTypeOverrideFile('(a)\\1=q4_0', parseGgmlTypeName, 'types.txt')).toThrow(/^types\.txt entry 1 "\(a\)\\1=q4_0": invalid pattern .*backreferences and lookarounds are not supported/);
  });
  it('names a sensitivity cache that is not JSON, or whose fields are wrong', () => {
    expect(() => parseSensitivityTable('{"format": ', 's.json')).toThrow(/^s\.json: not JSON/);
    expect(() => parseSensitivityTable(JSON.stringify({ format: 'quant-studio-sensitivity', version: 1, key: { model: 'm', candidates: 'Q4_0', measure: 'all' }, positions: 1, tensors: [] }), 's.json'))
      .toThrow(/^s\.json: "key": "candidates" must be an array/);
  });
  it('refuses a question with 130,000 choices before scoring any', () => {
    const line = JSON.stringify({ context: 'Q', choices: Array.from({ length: 130_000 }, (_, i) => `c${i}`) });
    expect(() => parseChoiceTasks(line, (s) => [...s].map((c) => c.charCodeAt(0)), 'q.jsonl')).toThrow(/^q\.jsonl:1: "choices" must be 2 to 64 non-empty strings$/);
  });
});
