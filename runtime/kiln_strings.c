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
