/*===- tiny_c_test.c - C program linking the generated libtiny.a ---------===*
 *
 * examples/tiny/tiny.onnx compiled by kiln (--emit lib): metadata, results
 * against ONNX Runtime's output_0.pb at batch 1 and batch 5 (dynamic N), and
 * every kind of bad call returning an error code with a message.
 * Usage: tiny_c_test TEST_DATA_DIR
 *===----------------------------------------------------------------------===*/

#include "tiny.h"
#include "pb_tensor.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "e2e_check.h"

static int close_to(float got, float want) {
  return fabsf(got - want) <= 1e-4f + 1e-3f * fabsf(want);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: tiny_c_test TEST_DATA_DIR\n");
    return 2;
  }
  char path[4096];
  pb_tensor x, y;
  snprintf(path, sizeof(path), "%s/input_0.pb", argv[1]);
  CHECK(pb_read_tensor(path, &x) == 0);
  snprintf(path, sizeof(path), "%s/output_0.pb", argv[1]);
  CHECK(pb_read_tensor(path, &y) == 0);
  if (failures)
    return 1;

  /* Metadata. */
  CHECK(tiny_num_inputs() == 1 && tiny_num_outputs() == 1);
  CHECK(strcmp(tiny_input_name(0), "x") == 0);
  CHECK(strcmp(tiny_output_name(0), "probs") == 0);
  CHECK(tiny_input_name(1) == NULL);
  CHECK(tiny_input_dtype(0) == 1 && tiny_input_rank(0) == 4);
  CHECK(tiny_input_dim(0, 0) == -1 && tiny_input_dim(0, 1) == 3);
  CHECK(tiny_output_rank(0) == 2 && tiny_output_dim(0, 1) == 2);

  tiny_session *s = NULL;
  kiln_options opt = {2, NULL, 0};
  CHECK(tiny_create(&s, &opt) == KILN_OK && s != NULL);
  if (!s)
    return 1;

  /* Batch as in the test data: compare with ONNX Runtime. */
  kiln_tensor in = {x.data, x.dims, x.rank, 1};
  kiln_tensor out = {NULL, NULL, 0, 0};
  CHECK(tiny_run(s, &in, 1, &out, 1) == KILN_OK);
  CHECK(out.rank == 2 && out.shape[0] == x.dims[0] && out.shape[1] == 2);
  for (int64_t i = 0; i < y.count; ++i)
    CHECK(close_to(((const float *)out.data)[i], y.data[i]));

  /* Batch 5: row r is the test input's row r % N; outputs follow. */
  int64_t n = x.dims[0], per = x.count / n;
  static float x5[5 * 3 * 8 * 8];
  for (int r = 0; r < 5; ++r)
    memcpy(x5 + r * per, x.data + (r % n) * per, (size_t)per * sizeof(float));
  int64_t shape5[4] = {5, 3, 8, 8};
  kiln_tensor in5 = {x5, shape5, 4, 1};
  CHECK(tiny_run(s, &in5, 1, &out, 1) == KILN_OK);
  CHECK(out.shape[0] == 5);
  for (int r = 0; r < 5; ++r)
    for (int j = 0; j < 2; ++j)
      CHECK(close_to(((const float *)out.data)[r * 2 + j],
                     y.data[(r % n) * 2 + j]));

  /* Bad calls: codes and messages, no crash. */
  kiln_tensor bad = in;
  bad.dtype = 7;
  CHECK(tiny_run(s, &bad, 1, &out, 1) == KILN_ERR_INVALID_ARGUMENT);
  CHECK(strstr(tiny_error(s), "dtype") != NULL);
  bad = in;
  bad.rank = 3;
  CHECK(tiny_run(s, &bad, 1, &out, 1) == KILN_ERR_INVALID_ARGUMENT);
  CHECK(strstr(tiny_error(s), "rank 3, expected 4") != NULL);
  int64_t wrong[4] = {1, 4, 8, 8};
  bad = in;
  bad.shape = wrong;
  CHECK(tiny_run(s, &bad, 1, &out, 1) == KILN_ERR_INVALID_ARGUMENT);
  CHECK(strstr(tiny_error(s), "dim 1 is 4, expected 3") != NULL);
  bad = in;
  bad.data = NULL;
  CHECK(tiny_run(s, &bad, 1, &out, 1) == KILN_ERR_INVALID_ARGUMENT);
  bad = in;
  bad.shape = NULL;
  CHECK(tiny_run(s, &bad, 1, &out, 1) == KILN_ERR_INVALID_ARGUMENT);
  CHECK(tiny_run(s, NULL, 1, &out, 1) == KILN_ERR_INVALID_ARGUMENT);
  CHECK(tiny_run(s, &in, 1, NULL, 1) == KILN_ERR_INVALID_ARGUMENT);
  CHECK(tiny_run(s, &in, 0, &out, 1) == KILN_ERR_INVALID_ARGUMENT);
  kiln_tensor two[2] = {in, in};
  CHECK(tiny_run(s, two, 2, &out, 1) == KILN_ERR_INVALID_ARGUMENT);
  CHECK(strstr(tiny_error(s), "2 inputs given") != NULL);
  CHECK(tiny_run(NULL, &in, 1, &out, 1) == KILN_ERR_INVALID_ARGUMENT);
  CHECK(tiny_create(NULL, NULL) == KILN_ERR_INVALID_ARGUMENT);
  CHECK(strlen(tiny_error(NULL)) > 0);
  tiny_destroy(s);
  tiny_destroy(NULL);

  free(x.data);
  free(y.data);
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("tiny_c_test: ok\n");
  return 0;
}
