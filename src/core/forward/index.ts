// The CPU reference forward: see forward-types.ts for the contract the GPU version shares.
export type { ForwardHooks, ForwardHparams, ForwardModel, ForwardRequest, ForwardTensor, WeightSource } from './forward-types.ts';
export { forwardModelFromGguf, forwardModelFromPlan } from './forward-model.ts';
export { ggufWeights, planWeights } from './weights.ts';
export { runForward } from './run-forward.ts';
export { chunkTokens } from './chunks.ts';
