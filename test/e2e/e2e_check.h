/*===- e2e_check.h - CHECK for the end-to-end C test programs -------------===*
 *
 * CHECK(cond) reports a failed condition with its file and line and counts
 * it in `failures`; a program returns non-zero when `failures` is not 0.
 *===----------------------------------------------------------------------===*/
#ifndef KILN_TEST_E2E_CHECK_H
#define KILN_TEST_E2E_CHECK_H

#include <stdio.h>

static int failures = 0;
#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

#endif
