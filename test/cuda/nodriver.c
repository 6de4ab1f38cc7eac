/* Links a --target cuda library with no CUDA library and checks that
 * create fails with the clear no-driver message (on a machine without
 * libcuda.so.1) or succeeds (with one). Exits 77 when a driver is found:
 * nothing to check here then. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "tiny.h"

int main(void) {
  void *probe = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  tiny_session *s = NULL;
  int rc = tiny_create(&s, NULL);
  const char *msg = tiny_error(NULL);
  printf("create: %d '%s'\n", rc, rc ? msg : "");
  if (probe) {
    printf("SKIP: a CUDA driver is present\n");
    tiny_destroy(s);
    return 77;
  }
  if (rc == 0 || s != NULL || !strstr(msg, "no CUDA driver") ||
      !strstr(msg, "libcuda.so.1"))
    return 1;
  tiny_destroy(NULL); /* a no-op */
  return 0;
}
