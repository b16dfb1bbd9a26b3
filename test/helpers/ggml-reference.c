// ggml's own quantizer and dequantizer for one type, from the static library the llama tools are
// built with (test/helpers/ggml-reference.ts compiles and runs this): the reference bytes for
// types that have no golden file (ggml_quantize_chunk, as llama-quantize calls it), and the floats
// ggml decodes them to (the type's to_float, dequantize_row_*).
//   ggml-reference TYPE ROWS COLS INPUT.f32|- IMATRIX.f32|- BLOCKS_IN|- BYTES_OUT VALUES_OUT.f32
// With INPUT "-" the blocks are read from BLOCKS_IN instead of quantized (decode only).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "ggml.h"

static void *load(const char *path, size_t n) {
  FILE *f = fopen(path, "rb");
  void *p = malloc(n ? n : 1);
  if (!f || !p || fread(p, 1, n, f) != n) {
    fprintf(stderr, "cannot read %zu bytes from %s\n", n, path);
    exit(1);
  }
  fclose(f);
  return p;
}

static void save(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(p, 1, n, f) != n) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(1);
  }
  fclose(f);
}

int main(int argc, char **argv) {
  if (argc != 9) {
    fprintf(stderr, "usage: %s TYPE ROWS COLS INPUT.f32|- IMATRIX.f32|- BLOCKS_IN|- BYTES_OUT VALUES_OUT.f32\n", argv[0]);
    return 2;
  }
  enum ggml_type type = GGML_TYPE_COUNT;
  for (int t = 0; t < GGML_TYPE_COUNT; t++) {
    const char *name = ggml_type_name((enum ggml_type)t);
    if (name && strcasecmp(name, argv[1]) == 0) type = (enum ggml_type)t;
  }
  if (type == GGML_TYPE_COUNT) {
    fprintf(stderr, "unknown type %s\n", argv[1]);
    return 2;
  }
  const int64_t rows = atoll(argv[2]), cols = atoll(argv[3]);
  const size_t n = (size_t)(rows * cols);
  const size_t bytes = ggml_row_size(type, cols) * (size_t)rows;
  void *blocks;
  if (strcmp(argv[4], "-") != 0) {
    const float *src = load(argv[4], n * sizeof(float));
    const float *imatrix = strcmp(argv[5], "-") == 0 ? NULL : load(argv[5], (size_t)cols * sizeof(float));
    blocks = malloc(bytes);
    ggml_quantize_init(type);
    ggml_quantize_chunk(type, src, blocks, 0, rows, cols, imatrix);
  } else {
    blocks = load(argv[6], bytes);
  }
  save(argv[7], blocks, bytes);
  float *values = malloc(n * sizeof(float));
  ggml_get_type_traits(type)->to_float(blocks, values, (int64_t)n);
  save(argv[8], values, n * sizeof(float));
  return 0;
}
