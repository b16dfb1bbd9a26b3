import path from 'node:path';

/** The repo root, and ../shared beside it (fixtures and golden data, never copied in). */
export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
export const SHARED = path.resolve(REPO_ROOT, '../shared');
export const STORIES260K = path.join(SHARED, 'fixtures/stories260K');
export const TINY_LLAMA_10M = path.join(SHARED, 'fixtures/tiny-llama-10m');
export const TEXT = path.join(SHARED, 'fixtures/text');
export const GOLDEN_QUANT = path.join(SHARED, 'golden/quant');
/** The project's own trained Qwen3 (weights and config; its tokenizer is stories260K's: see its README). */
export const TINY_QWEN3_WEIGHTS = path.join(REPO_ROOT, 'test/fixtures/tiny-qwen3');
