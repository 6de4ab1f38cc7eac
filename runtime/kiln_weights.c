/*===- kiln_weights.c - Mapping a model's `.weights` file ------------------===*
 *
 * Models compiled with `--weights file` keep their constants in
 * `<m>.weights` (header layout in kiln_runtime.h). The file is mapped
 * read-only (MAP_PRIVATE, PROT_READ) once per session; pages are shared by
 * the OS between sessions and processes. The header's size and hash must
 * match the model descriptor, so a weights file of another model or build is
 * refused instead of read out of bounds.
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/kiln_internal.h"

static uint64_t read_u64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

static uint32_t read_u32(const unsigned char *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
         ((uint32_t)p[3] << 24);
}

int kiln_rt_map_weights(const kiln_rt_model *m, const char *path,
                        kiln_rt_mapping *map, char *err) {
  memset(map, 0, sizeof(*map));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, KILN_RT_ERROR_BYTES, "cannot open weights file '%s': %s",
             path, strerror(errno));
    return KILN_ERR_WEIGHTS;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    snprintf(err, KILN_RT_ERROR_BYTES, "weights file '%s' is not a regular file",
             path);
    close(fd);
    return KILN_ERR_WEIGHTS;
  }
  uint64_t expected = KILN_WEIGHTS_HEADER_BYTES + m->weights_bytes;
  if ((uint64_t)st.st_size != expected) {
    snprintf(err, KILN_RT_ERROR_BYTES,
             "weights file '%s' has %lld bytes, model '%s' expects %llu", path,
             (long long)st.st_size, m->name, (unsigned long long)expected);
    close(fd);
    return KILN_ERR_WEIGHTS;
  }
  void *base = mmap(NULL, (size_t)expected, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (base == MAP_FAILED) {
    snprintf(err, KILN_RT_ERROR_BYTES, "cannot map weights file '%s': %s",
             path, strerror(errno));
    return KILN_ERR_WEIGHTS;
  }
  const unsigned char *h = (const unsigned char *)base;
  const char *problem = NULL;
  if (memcmp(h, KILN_WEIGHTS_MAGIC, 8) != 0)
    problem = "bad magic (not a kiln weights file)";
  else if (read_u32(h + 8) != KILN_WEIGHTS_VERSION)
    problem = "unsupported version";
  else if (read_u32(h + 12) != KILN_WEIGHTS_HEADER_BYTES)
    problem = "bad header size";
  else if (read_u64(h + 16) != m->weights_bytes)
    problem = "blob size differs from the model's";
  else if (read_u64(h + 24) != m->weights_hash)
    problem = "hash differs (weights of another model or build)";
  if (problem) {
    snprintf(err, KILN_RT_ERROR_BYTES, "weights file '%s' for model '%s': %s",
             path, m->name, problem);
    munmap(base, (size_t)expected);
    return KILN_ERR_WEIGHTS;
  }
  map->base = base;
  map->size = (size_t)expected;
  map->blob = h + KILN_WEIGHTS_HEADER_BYTES;
  return KILN_OK;
}

void kiln_rt_unmap_weights(kiln_rt_mapping *map) {
  if (map->base)
    munmap(map->base, map->size);
  memset(map, 0, sizeof(*map));
}
