// y[yOffset + r * outStride + outOffset + o] (+)= x[r, :] · w[o, :] + bias[outOffset + o], optionally soft-capped.
// w is one row-chunk of a ggml weight [cols, outCols] (row o = output o's inputs, as in GGUF);
// 16x16 output tiles, K walked in 16-wide slices through workgroup memory.
struct Params {
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

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

const T = 16u;
// +1 column keeps the transposed reads of the inner loop off a single bank.
var<workgroup> xs: array<array<f32, 17>, 16>;
var<workgroup> ws: array<array<f32, 17>, 16>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) l: vec3u) {
  let o = wg.x * T + l.x;
  let r = wg.y * T + l.y;
  let loadRow = wg.y * T + l.y;
  let loadOut = wg.x * T + l.y;
  var acc = 0.0;
  for (var k0 = 0u; k0 < p.cols; k0 += T) {
    let k = k0 + l.x;
    var xv = 0.0;
    if (loadRow < p.rows && k < p.cols) { xv = x[p.xOffset + loadRow * p.cols + k]; }
    var wv = 0.0;
    if (loadOut < p.outCols && k < p.cols) { wv = w[loadOut * p.cols + k]; }
    xs[l.y][l.x] = xv;
    ws[l.y][l.x] = wv;
    workgroupBarrier();
    for (var kk = 0u; kk < T; kk++) {
      acc += xs[l.y][kk] * ws[l.x][kk];
    }
    workgroupBarrier();
  }
  if (r >= p.rows || o >= p.outCols) { return; }
  var v = acc;
  if (p.hasBias != 0u) { v += bias[p.outOffset + o]; }
  if (p.softcap > 0.0) { v = tanh(clamp(v / p.softcap, -10.0, 10.0)) * p.softcap; }
  let at = p.yOffset + r * p.outStride + p.outOffset + o;
  if (p.accumulate != 0u) { v += y[at]; }
  y[at] = v;
}
