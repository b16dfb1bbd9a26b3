export function llamaToolsDir(): { root: string; version: string };
export function buildLlamaTools(options?: { log?: (message: string) => void }): string;
