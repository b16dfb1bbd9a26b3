import { describe, expect, it } from 'vitest';
import { hubSpecFromUrl, splitHubFileSpec } from './hub-spec.ts';

describe('hubSpecFromUrl', () => {
  it('a model page, its files at a revision, or one GGUF of it: the spec the Hub field takes', () => {
    expect(hubSpecFromUrl(' https://huggingface.co/Qwen/Qwen3-0.6B ')).toBe('Qwen/Qwen3-0.6B');
    expect(hubSpecFromUrl('https://huggingface.co/Qwen/Qwen3-0.6B/tree/main')).toBe('Qwen/Qwen3-0.6B');
    expect(hubSpecFromUrl('https://huggingface.co/Qwen/Qwen3-0.6B/tree/refs%2Fpr%2F3')).toBe('Qwen/Qwen3-0.6B@refs/pr/3');
    expect(hubSpecFromUrl('https://huggingface.co/unsloth/Qwen3-0.6B-GGUF/blob/main/Qwen3-0.6B-Q4_K_M.gguf?download=true')).toBe('unsloth/Qwen3-0.6B-GGUF/Qwen3-0.6B-Q4_K_M.gguf');
    expect(hubSpecFromUrl('https://hf.co/o/r/resolve/abc123/q/r-Q8_0-00001-of-00002.gguf')).toBe('o/r@abc123/q/r-Q8_0-00001-of-00002.gguf');
    expect(splitHubFileSpec(hubSpecFromUrl('https://huggingface.co/o/r/blob/v1/r-F16.gguf'))).toEqual({ model: 'o/r@v1', file: 'r-F16.gguf' });
    // A model's other file: the model.
    expect(hubSpecFromUrl('https://huggingface.co/o/r/blob/main/config.json')).toBe('o/r');
  });

  it('an id stays as typed; a dataset, a Space or a page of no model says so', () => {
    expect(hubSpecFromUrl(' owner/repo@main ')).toBe('owner/repo@main');
    expect(hubSpecFromUrl('hf://owner/repo')).toBe('hf://owner/repo');
    expect(() => hubSpecFromUrl('https://huggingface.co/datasets/o/d')).toThrow('is a dataset, not a model');
    expect(() => hubSpecFromUrl('https://huggingface.co/spaces/o/s')).toThrow('is a Space, not a model');
    expect(() => hubSpecFromUrl('https://huggingface.co/o')).toThrow(/no model in this address/);
    expect(() => hubSpecFromUrl('https://huggingface.co/o/r/discussions/4')).toThrow(/not a model's page/);
  });
});
