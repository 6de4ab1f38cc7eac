/*===- kiln_strings.c - String element helpers for lowered code -----------===*
 *
 * A string tensor element (ONNX dtype 8) is a `const char *` to NUL-
 * terminated UTF-8 in the C API, and an i64 holding that pointer in the
 * lowered code. The string ops call these helpers per element. A NULL
 * element reads as the empty string.
 *===----------------------------------------------------------------------===*/

#include "runtime/kiln_internal.h"

#include <string.h>

static const char *str_of(int64_t handle) {
  const char *s = (const char *)(intptr_t)handle;
  return s ? s : "";
}

int32_t kiln_rt_str_equal(int64_t a, int64_t b) {
  return strcmp(str_of(a), str_of(b)) == 0;
}

int32_t kiln_rt_str_equal_words(int64_t a, int64_t w0, int64_t w1, int64_t w2,
                                int64_t w3, int64_t w4, int64_t w5,
                                int64_t w6, int64_t w7, int64_t w8,
                                int64_t w9, int64_t w10, int64_t w11,
                                int64_t w12, int64_t w13, int64_t w14,
                                int64_t w15) {
  const int64_t words[KILN_RT_REGEX_WORDS] = {w0, w1, w2,  w3,  w4,  w5,
                                              w6, w7, w8,  w9,  w10, w11,
                                              w12, w13, w14, w15};
  char b[8 * KILN_RT_REGEX_WORDS + 1];
  memcpy(b, words, sizeof(words));
  b[8 * KILN_RT_REGEX_WORDS] = 0;
  return strcmp(str_of(a), b) == 0;
}
