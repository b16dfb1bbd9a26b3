// Branded units: a byte count cannot be passed where an element count is expected.
export type Bytes = number & { readonly __unit: 'bytes' };
export type Elements = number & { readonly __unit: 'elements' };

export const bytes = (n: number): Bytes => n as Bytes;
export const elements = (n: number): Elements => n as Elements;
