// The i-quants against llama-quantize on generated rows (random-rows.ts).
import { describeRowTypes, ROW_TYPES } from './random-rows.ts';

describeRowTypes(ROW_TYPES.filter(([type]) => type.startsWith('IQ')));
