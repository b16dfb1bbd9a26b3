// The uniform of both matmul kernels (forward-ops.ts matmulRows writes it in this order).
struct MatmulParams {
  rows: u32,
  cols: u32,
  outCols: u32,
  outStride: u32,
  outOffset: u32,
  xOffset: u32,
  yOffset: u32,
  hasBias: u32,
  accumulate: u32,
  softcap: f32,
}
