/*===- failed_create_test.c - Calls after a failed create -----------------===*
 *
 * examples/digits compiled with --weights file: every way the weights file
 * can be wrong makes digits_create fail with KILN_ERR_WEIGHTS, *out NULL and
 * a message naming the problem; every call that follows a failed create
 * (run/destroy/error on the NULL session, another create) returns an error
 * code or works, never crashes; and a failed create leaves a live session of
 * the same model untouched (its output stays bitwise the same).
 * Usage: failed_create_test GOOD_WEIGHTS_FILE SCRATCH_DIR
 *===----------------------------------------------------------------------===*/

#include "digits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e_check.h"

/* Writes `n` bytes of `src` (or zeros when src is NULL) to `path`. */
static int write_file(const char *path, const void *src, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  static const char zeros[4096];
  size_t done = 0;
  while (done < n) {
    size_t chunk = n - done < sizeof(zeros) ? n - done : sizeof(zeros);
    const void *p = src ? (const char *)src + done : zeros;
    if (fwrite(p, 1, chunk, f) != chunk) {
      fclose(f);
      return -1;
    }
    done += chunk;
  }
  return fclose(f);
}

static char *read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc(size > 0 ? (size_t)size : 1);
  if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *n = (size_t)size;
  return buf;
}

/* Runs `s` on a fixed image; 0 on success with the logits in out10. */
static int run_digits(digits_session *s, float out10[10]) {
  static float image[64];
  for (int i = 0; i < 64; ++i)
    image[i] = (float)((i * 7) % 17) / 16.0f;
  int64_t shape[4] = {1, 1, 8, 8};
  kiln_tensor in = {image, shape, 4, 1};
  kiln_tensor out = {NULL, NULL, 0, 0};
  int rc = digits_run(s, &in, 1, &out, 1);
  if (rc == KILN_OK && out.data)
    memcpy(out10, out.data, 10 * sizeof(float));
  return rc;
}

/* A create that must fail with `code`; the message must contain `text`. */
static void expect_failed_create(const char *weights, int threads, int code,
                                 const char *text) {
  digits_session *s = (digits_session *)0x1; /* must be reset to NULL */
  kiln_options opt = {threads, weights, 0};
  int rc = digits_create(&s, &opt);
  CHECK(rc == code);
  CHECK(s == NULL);
  const char *msg = digits_error(NULL);
  CHECK(msg != NULL && strstr(msg, text) != NULL);
  if (rc != code || (msg && !strstr(msg, text)))
    fprintf(stderr, "  weights '%s': rc %d, message '%s'\n", weights, rc,
            msg ? msg : "(null)");
  /* Calls after the failed create: error codes, no crash. */
  float logits[10];
  CHECK(run_digits(s, logits) == KILN_ERR_INVALID_ARGUMENT);
  digits_destroy(s);
  CHECK(digits_error(s) != NULL);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: failed_create_test GOOD_WEIGHTS_FILE SCRATCH_DIR\n");
    return 2;
  }
  const char *good = argv[1];
  char path[4096];
  size_t size = 0;
  char *bytes = read_file(good, &size);
  CHECK(bytes != NULL && size > 64);
  if (failures)
    return 1;

  /* A live session, created before any failure. */
  digits_session *live = NULL;
  kiln_options opt = {1, good, 0};
  CHECK(digits_create(&live, &opt) == KILN_OK && live != NULL);
  float before[10], after[10];
  CHECK(run_digits(live, before) == KILN_OK);

  expect_failed_create("/nonexistent-kiln/digits.weights", 1, KILN_ERR_WEIGHTS,
                       "cannot open weights file");
  expect_failed_create(argv[2], 2, KILN_ERR_WEIGHTS, "not a regular file");
  snprintf(path, sizeof(path), "%s/empty.weights", argv[2]);
  CHECK(write_file(path, NULL, 0) == 0);
  expect_failed_create(path, 1, KILN_ERR_WEIGHTS, "bytes");
  snprintf(path, sizeof(path), "%s/truncated.weights", argv[2]);
  CHECK(write_file(path, bytes, size - 1) == 0);
  expect_failed_create(path, 1, KILN_ERR_WEIGHTS, "bytes");
  snprintf(path, sizeof(path), "%s/longer.weights", argv[2]);
  {
    char *longer = malloc(size + 8);
    memcpy(longer, bytes, size);
    memset(longer + size, 0, 8);
    CHECK(write_file(path, longer, size + 8) == 0);
    free(longer);
  }
  expect_failed_create(path, 1, KILN_ERR_WEIGHTS, "bytes");
  snprintf(path, sizeof(path), "%s/zeros.weights", argv[2]);
  CHECK(write_file(path, NULL, size) == 0);
  expect_failed_create(path, 1, KILN_ERR_WEIGHTS, "bad magic");
  snprintf(path, sizeof(path), "%s/other-hash.weights", argv[2]);
  {
    char *other = malloc(size);
    memcpy(other, bytes, size);
    other[24] ^= 0x5a; /* the header's weights hash */
    CHECK(write_file(path, other, size) == 0);
    free(other);
  }
  expect_failed_create(path, 1, KILN_ERR_WEIGHTS, "hash differs");

  /* Argument errors of create itself. */
  CHECK(digits_create(NULL, &opt) == KILN_ERR_INVALID_ARGUMENT);
  CHECK(strlen(digits_error(NULL)) > 0);

  /* The live session is untouched: bitwise the same output. */
  CHECK(run_digits(live, after) == KILN_OK);
  CHECK(memcmp(before, after, sizeof(before)) == 0);

  /* A create after the failures works; absurd thread counts are clamped. */
  digits_session *again = NULL;
  kiln_options many = {1 << 30, good, 0};
  CHECK(digits_create(&again, &many) == KILN_OK && again != NULL);
  CHECK(run_digits(again, after) == KILN_OK);
  CHECK(memcmp(before, after, sizeof(before)) == 0);
  digits_destroy(again);
  digits_destroy(live);

  free(bytes);
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("failed_create_test: ok\n");
  return 0;
}
