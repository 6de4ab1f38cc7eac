/*===- strings_test.c - C program linking a model with string outputs ----===*
 *
 * test/e2e/strings/strings.onnx (StringConcat, StringSplit,
 * StringNormalizer, Identity on a string input) compiled by kiln. Checks:
 * the values against ONNX Runtime 1.30's outputs for the same inputs (the
 * model's locale is C.UTF-8, which ORT can load here); a NULL input element
 * reading as ""; outputs that outlive the caller's input strings; a second
 * run reusing the first one's memory (the heap does not grow over many runs;
 * valgrind, e2e.valgrind_strings, finds no leak at destroy); a split into
 * 100000 pieces; text the case mapping does not cover failing the run with
 * a message, the session staying usable.
 * Usage: strings_test
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE
#include "strings.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e_check.h"

enum { JOINED, WORDS, NUM_WORDS, KEPT, SAME, NUM_OUT };

static int str_is(const kiln_tensor *t, int64_t i, const char *want) {
  const char *const *s = (const char *const *)t->data;
  if (!s || !s[i]) {
    fprintf(stderr, "  element %lld is NULL, want '%s'\n", (long long)i, want);
    return 0;
  }
  if (strcmp(s[i], want) != 0) {
    fprintf(stderr, "  element %lld is '%s', want '%s'\n", (long long)i, s[i],
            want);
    return 0;
  }
  return 1;
}

static int run(strings_session *s, const char **x, int64_t n, kiln_tensor *out) {
  static const char *suffix[1] = {"!"};
  static int64_t one = 1;
  int64_t dims[1] = {n};
  kiln_tensor in[2] = {{(void *)x, dims, 1, 8}, {(void *)suffix, &one, 1, 8}};
  memset(out, 0, NUM_OUT * sizeof(kiln_tensor));
  return strings_run(s, in, 2, out, NUM_OUT);
}

int main(void) {
  CHECK(strings_num_outputs() == NUM_OUT);
  CHECK(strings_output_dtype(JOINED) == 8 && strings_output_dtype(KEPT) == 8);
  CHECK(strings_output_dtype(NUM_WORDS) == 7);
  CHECK(strings_output_dim(WORDS, 1) == -1 && strings_output_dim(KEPT, 0) == -1);

  strings_session *s = NULL;
  kiln_options opt = {2, NULL, 0};
  CHECK(strings_create(&s, &opt) == KILN_OK && s);
  if (!s)
    return 1;

  /* Run 1. The input strings live in a buffer overwritten after the run:
   * the outputs must not point into it. */
  char storage[5][64] = {"the quick  brown", "The", "", " héllo wörld ",
                         "ÿ straße ı µ"};
  const char *x[5] = {storage[0], storage[1], NULL, storage[3], storage[4]};
  kiln_tensor out[NUM_OUT];
  CHECK(run(s, x, 5, out) == KILN_OK);
  memset(storage, 'Z', sizeof(storage));
  static const char *joined[5] = {"the quick  brown!", "The!", "!",
                                  " héllo wörld !", "ÿ straße ı µ!"};
  static const char *words[5][4] = {{"the", "quick", "brown", ""},
                                    {"The", "", "", ""},
                                    {"", "", "", ""},
                                    {"héllo", "wörld", "", ""},
                                    {"ÿ", "straße", "ı", "µ"}};
  static const int64_t num_words[5] = {3, 1, 0, 2, 4};
  static const char *kept[4] = {"THE QUICK  BROWN", "", " HÉLLO WÖRLD ",
                                "Ÿ STRAßE I Μ"};
  static const char *same[5] = {"the quick  brown", "The", "", " héllo wörld ",
                                "ÿ straße ı µ"};
  CHECK(out[JOINED].rank == 1 && out[JOINED].shape[0] == 5 &&
        out[JOINED].dtype == 8);
  for (int i = 0; i < 5; ++i)
    CHECK(str_is(&out[JOINED], i, joined[i]));
  CHECK(out[WORDS].rank == 2 && out[WORDS].shape[0] == 5 &&
        out[WORDS].shape[1] == 4);
  for (int i = 0; i < 5; ++i)
    for (int k = 0; k < 4; ++k)
      CHECK(str_is(&out[WORDS], i * 4 + k, words[i][k]));
  for (int i = 0; i < 5; ++i)
    CHECK(((const int64_t *)out[NUM_WORDS].data)[i] == num_words[i]);
  CHECK(out[KEPT].rank == 1 && out[KEPT].shape[0] == 4);
  for (int i = 0; i < 4; ++i)
    CHECK(str_is(&out[KEPT], i, kept[i]));
  for (int i = 0; i < 5; ++i)
    CHECK(str_is(&out[SAME], i, same[i]));

  /* Run 2: one string splitting into 100000 pieces (two threads fill the
   * rows); run 1's outputs are gone, these replace them. */
  enum { PIECES = 100000 };
  char *big = (char *)malloc(2 * PIECES + 1);
  for (int i = 0; i < PIECES; ++i)
    big[2 * i] = 'x', big[2 * i + 1] = ' ';
  big[2 * PIECES] = 0;
  const char *x2[2] = {"a b", big};
  CHECK(run(s, x2, 2, out) == KILN_OK);
  CHECK(out[WORDS].shape[0] == 2 && out[WORDS].shape[1] == PIECES);
  CHECK(((const int64_t *)out[NUM_WORDS].data)[0] == 2);
  CHECK(((const int64_t *)out[NUM_WORDS].data)[1] == PIECES);
  CHECK(str_is(&out[WORDS], 0, "a") && str_is(&out[WORDS], 1, "b") &&
        str_is(&out[WORDS], 2, "") && str_is(&out[WORDS], PIECES - 1, ""));
  CHECK(str_is(&out[WORDS], PIECES, "x") &&
        str_is(&out[WORDS], 2 * PIECES - 1, "x"));
  CHECK(out[KEPT].shape[0] == 2 && str_is(&out[KEPT], 0, "A B"));
  {
    const char *k1 = ((const char *const *)out[KEPT].data)[1];
    CHECK(k1 && strlen(k1) == 2 * PIECES && strncmp(k1, "X X X", 5) == 0);
    const char *j1 = ((const char *const *)out[JOINED].data)[1];
    CHECK(j1 && strlen(j1) == 2 * PIECES + 1 &&
          strcmp(j1 + 2 * PIECES - 2, "x !") == 0);
  }

  /* Many runs: every run frees the previous one's strings, so the heap
   * stays flat once the session's buffers have grown. */
  size_t settled = 0;
  for (int r = 0; r < 40; ++r) {
    CHECK(run(s, x2, 2, out) == KILN_OK);
    if (r == 4)
      settled = mallinfo2().uordblks;
  }
  size_t after = mallinfo2().uordblks;
  CHECK(after <= settled + 256 * 1024);
  if (after > settled + 256 * 1024)
    fprintf(stderr, "  heap grew from %zu to %zu bytes over 35 runs\n",
            settled, after);
  free(big);

  /* Text outside the case mapping, and bytes that are not UTF-8: the run
   * fails with a message naming it, and the session keeps working. */
  const char *latin_b[1] = {"ǅ"};
  CHECK(run(s, latin_b, 1, out) == KILN_ERR_INVALID_ARGUMENT);
  CHECK(strstr(strings_error(s), "U+01C5") != NULL);
  const char *bad_utf8[1] = {"ab\xff"};
  CHECK(run(s, bad_utf8, 1, out) == KILN_ERR_INVALID_ARGUMENT);
  CHECK(strstr(strings_error(s), "not valid UTF-8") != NULL);
  const char *ok[1] = {"the"};
  CHECK(run(s, ok, 1, out) == KILN_OK);
  CHECK(out[KEPT].shape[0] == 1 && str_is(&out[KEPT], 0, ""));
  CHECK(str_is(&out[JOINED], 0, "the!"));

  /* An empty batch: no strings left, so [""] (ONNX Runtime refuses C = 0). */
  CHECK(run(s, NULL, 0, out) == KILN_OK);
  CHECK(out[JOINED].shape[0] == 0 && out[WORDS].shape[1] == 0);
  CHECK(out[KEPT].shape[0] == 1 && str_is(&out[KEPT], 0, ""));

  strings_destroy(s);
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("strings_test: all checks passed\n");
  return 0;
}
