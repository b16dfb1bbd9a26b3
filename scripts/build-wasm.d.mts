export function wasmEntries(dir?: string): Promise<string[]>;
export function generatedPathOf(entry: string): string;
export function buildWasm(options?: { check?: boolean }): Promise<string[]>;
