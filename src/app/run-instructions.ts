// What to do with a GGUF once it is saved: the commands that run it in llama.cpp, Ollama and
// LM Studio. Pure, so the page's block and its test agree on the exact text.

export interface RunInstruction {
  tool: string;
  /** Where the tool is documented (opened in a new tab). */
  href: string;
  /** The lines to paste into a terminal (Ollama's include writing its Modelfile). */
  command: string;
}

/** Ollama model names are lower-case words joined by - _ . : the file's stem, made into one. */
export function ollamaModelName(fileName: string): string {
  const stem = fileName.replace(/\.gguf$/i, '').replace(/-\d{5}-of-\d{5}$/, '');
  return stem.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[-._]+|[-._]+$/g, '') || 'model';
}

/** A file name as a shell word: quoted when it holds anything a shell would split or expand. */
function shellWord(name: string): string {
  return /^[\w.@%+=:,/-]+$/.test(name) ? name : `'${name.replaceAll("'", `'\\''`)}'`;
}

/** `file`: the first file of the export (llama.cpp finds a split's other parts beside it). */
export function runInstructions(file: string): RunInstruction[] {
  const f = shellWord(file);
  return [
    { tool: 'llama.cpp', href: 'https://github.com/ggml-org/llama.cpp', command: `llama-cli -m ${f}` },
    {
      tool: 'Ollama',
      href: 'https://github.com/ollama/ollama/blob/main/docs/import.md',
      command: `echo "FROM ./${file.replaceAll('"', '\\"')}" > Modelfile\nollama create ${ollamaModelName(file)} -f Modelfile`,
    },
    { tool: 'LM Studio', href: 'https://lmstudio.ai/docs/cli/import', command: `lms import ${f}` },
  ];
}
