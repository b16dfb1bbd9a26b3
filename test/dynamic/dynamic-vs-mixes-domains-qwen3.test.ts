// The domain evidence (domain-evidence.ts) on tiny-qwen3, the project's trained Qwen3 (per-head q/k
// norms, NeoX rope, an untied output head): a second architecture, and a model whose embedding and
// output head are small (a 512-token vocabulary), so that the transformer blocks hold most of the
// weights, as in the models users quantize.
import { tinyQwen3Folder } from '../helpers/tiny-qwen3.ts';
import { domainEvidenceSuite } from './domain-evidence.ts';

domainEvidenceSuite('tiny-qwen3', tinyQwen3Folder);
