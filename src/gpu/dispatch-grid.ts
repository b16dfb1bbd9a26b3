// The one workgroup-grid rule of every kernel: WebGPU allows at most 65535 workgroups per
// dimension, so a grid past it folds into y (the shaders rebuild the flat index from both).

/** Workgroup grid for `units` invocations of `workgroupSize`: x up to the limit, then y. */
export function dispatchGrid(units: number, workgroupSize: number, maxPerDimension = 65535): [number, number] {
  const groups = Math.max(1, Math.ceil(units / workgroupSize));
  if (groups <= maxPerDimension) return [groups, 1];
  return [maxPerDimension, Math.ceil(groups / maxPerDimension)];
}
