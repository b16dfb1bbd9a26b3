export const WASM_SOURCES: string;
export const WASM_GENERATED: string;
export function compileKQuantsWasm(): Promise<Uint8Array>;
export function generatedSource(bytes: Uint8Array): string;
