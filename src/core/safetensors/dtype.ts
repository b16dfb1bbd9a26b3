// safetensors dtypes (the names used in the JSON header).
export const SAFETENSORS_DTYPES = ['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL', 'F8_E4M3', 'F8_E5M2'] as const;
export type SafetensorsDtype = (typeof SAFETENSORS_DTYPES)[number];
