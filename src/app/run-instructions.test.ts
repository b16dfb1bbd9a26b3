import { describe, expect, it } from 'vitest';
import { ollamaModelName, runInstructions } from './run-instructions.ts';

describe('runInstructions', () => {
  it('points llama.cpp, Ollama and LM Studio at the file', () => {
    const [llama, ollama, lms] = runInstructions('stories260K-Q4_K_M.gguf');
    expect(llama!.command).toBe('llama-cli -m stories260K-Q4_K_M.gguf');
    expect(ollama!.command).toBe('echo "FROM ./stories260K-Q4_K_M.gguf" > Modelfile\nollama create stories260k-q4_k_m -f Modelfile');
    expect(lms!.command).toBe('lms import stories260K-Q4_K_M.gguf');
    for (const r of [llama, ollama, lms]) expect(r!.href).toMatch(/^https:\/\//);
  });

  it('quotes a name a shell would split', () => {
    expect(runInstructions("my model's.gguf")[0]!.command).toBe(`llama-cli -m 'my model'\\''s.gguf'`);
  });

  it('names the Ollama model after the file, without a split part number', () => {
    expect(ollamaModelName('Qwen3-0.6B-Q8_0-00001-of-00003.gguf')).toBe('qwen3-0.6b-q8_0');
    expect(ollamaModelName('???.gguf')).toBe('model');
  });
});
