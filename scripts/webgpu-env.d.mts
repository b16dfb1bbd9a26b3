export const SWIFTSHADER_ICD: string;
export function webgpuEnv(base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
