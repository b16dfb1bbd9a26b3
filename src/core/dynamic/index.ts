// Dynamic quantization: measure each tensor's sensitivity, allocate types under a size budget,
// and write the result as a recipe (JSON, or llama-quantize's --tensor-type-file).
export { DEFAULT_CANDIDATES, ARM_CANDIDATES, candidateTypesFor } from './candidate-types.ts';
export { hashImportance, hashTokenSequences, planFingerprint, sha256Hex } from './content-hash.ts';
export { measureSensitivity, mergeSensitivityShards, shardTensors, type MeasureSensitivityOptions, type SensitivityProgress } from './measure-sensitivity.ts';
export { parseSensitivityTable, sensitivityCacheKey, type SensitivityTable, type SensitivityKey, type TensorSensitivity, type CandidateCost, type MeasureMode } from './sensitivity-types.ts';
export { completeCosts, fitPowerLaw, roleWeight } from './fit-costs.ts';
export { allocateTypes, type AllocateOptions, type Allocation, type AllocationTarget, type TensorChoice } from './allocate.ts';
export { baseMixFor, buildRecipe, parseRecipe, recipeTypes, type Recipe, type RecipeProvenance, type RecipeTensor } from './recipe.ts';
export { exactNamePattern, llamaQuantizeArgs, recipeTensorTypeFile } from './tensor-type-file.ts';
export { spearman } from './rank-correlation.ts';
export { predictKld, standInCandidate, tensorCost } from './predict.ts';
export { budgetRange } from './budget-range.ts';
export { frontierPoints, type FrontierPoint } from './frontier.ts';
export { cpuReplayEngine } from './cpu-replay-engine.ts';
export type { ReplayCounters, ReplayEngine, ReplayEngineFactory, ReplayReference, ReplayState } from './replay-engine.ts';
export { measureRecipeKlds, type RecipeKld, type RecipeToMeasure } from './measure-recipes.ts';
export { paretoKnapsack } from './pareto-knapsack.ts';
