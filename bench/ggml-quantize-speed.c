// Times ggml_quantize_chunk itself, the function llama-quantize calls per tensor, from the same
// static library as the llama tools (bench/cpu-quant-speed.ts compiles this against it): CPU
// seconds of one thread around the call alone, so no process start, model load, file I/O or
// one-time setup is in the figure (the setup, ggml_quantize_init, is timed on its own).
//   ggml-quantize-speed TYPE ROWS COLS INPUT.f32 IMATRIX.f32|- OUTPUT RUNS
// Prints "init SECONDS" and "quantize SECONDS" (the best of RUNS calls); writes the bytes to OUTPUT.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "ggml.h"

static double cpu_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void *read_file(const char *path, size_t bytes) {
  FILE *f = fopen(path, "rb");
  void *p = malloc(bytes);
  if (!f || !p || fread(p, 1, bytes, f) != bytes) {
    fprintf(stderr, "cannot read %zu bytes from %s\n", bytes, path);
    exit(1);
  }
  fclose(f);
  return p;
}

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr, "usage: %s TYPE ROWS COLS INPUT.f32 IMATRIX.f32|- OUTPUT RUNS\n", argv[0]);
    return 2;
  }
  enum ggml_type type = GGML_TYPE_COUNT;
  for (int t = 0; t < GGML_TYPE_COUNT; t++) {
    const char *name = ggml_type_name((enum ggml_type)t);
    if (name && strcasecmp(name, argv[1]) == 0) type = (enum ggml_type)t; // ggml spells q4_K, iq2_xs
  }
  if (type == GGML_TYPE_COUNT) {
    fprintf(stderr, "unknown type %s\n", argv[1]);
    return 2;
  }
  const int64_t rows = atoll(argv[2]);
  const int64_t cols = atoll(argv[3]);
  const int runs = atoi(argv[7]);
  const float *src = read_file(argv[4], (size_t)(rows * cols) * sizeof(float));
  const float *imatrix = strcmp(argv[5], "-") == 0 ? NULL : read_file(argv[5], (size_t)cols * sizeof(float));
  const size_t bytes = ggml_row_size(type, cols) * (size_t)rows;
  void *dst = malloc(bytes);
  memset(dst, 0, bytes); // fault its pages in before the clock starts
  double t0 = cpu_seconds();
  ggml_quantize_init(type);
  printf("init %.6f\n", cpu_seconds() - t0);
  double best = 1e30;
  for (int r = 0; r < runs; r++) {
    t0 = cpu_seconds();
    ggml_quantize_chunk(type, src, dst, 0, rows, cols, imatrix);
    const double t = cpu_seconds() - t0;
    if (t < best) best = t;
  }
  printf("quantize %.6f\n", best);
  FILE *f = fopen(argv[6], "wb");
  if (!f || fwrite(dst, 1, bytes, f) != bytes) {
    fprintf(stderr, "cannot write %s\n", argv[6]);
    return 1;
  }
  fclose(f);
  return 0;
}
