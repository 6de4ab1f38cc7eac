/*===- kiln_weights.c - Where a session's weights and arena live -----------===*
 *
 * Models compiled with `--weights file` keep their constants in
 * `<m>.weights` (header layout in kiln_runtime.h). The file is mapped
 * read-only (MAP_PRIVATE, PROT_READ) once per session; pages are shared by
 * the OS between sessions and processes. The header's size and hash must
 * match the model descriptor, so a weights file of another model or build is
 * refused instead of read out of bounds.
 *
 * Weights embedded in the library (the default) are read from the library
 * image through 4 KiB pages: every run streams all of them (ResNet-50's
 * 100 MB, BERT-base's 340 MB) and pays a TLB miss per page. Above
 * KILN_RT_LARGE_BYTES they are copied once per process into anonymous
 * memory in 2 MiB pages (transparent huge pages, madvise mode included),
 * shared by all sessions of the model and made read-only; the workspace
 * arena is allocated the same way. Where huge pages are not available the
 * memory is still correct, only in small pages.
 *===----------------------------------------------------------------------===*/

#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/*--- Large allocations in 2 MiB pages ------------------------------------*/

#define KILN_RT_HUGE_PAGE ((size_t)2 << 20)

void *kiln_rt_large_alloc(size_t bytes, size_t *mapped) {
  *mapped = 0;
  size_t len = (bytes + KILN_RT_HUGE_PAGE - 1) & ~(KILN_RT_HUGE_PAGE - 1);
  if (bytes == 0 || len < bytes || len > SIZE_MAX - KILN_RT_HUGE_PAGE)
    return NULL;
  /* Over-map by one huge page and trim, so the block starts on a 2 MiB
   * boundary (the kernel can only back aligned ranges with huge pages). */
  char *raw = (char *)mmap(NULL, len + KILN_RT_HUGE_PAGE,
                           PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == (char *)MAP_FAILED)
    return NULL;
  char *base = (char *)(((uintptr_t)raw + KILN_RT_HUGE_PAGE - 1) &
                        ~(uintptr_t)(KILN_RT_HUGE_PAGE - 1));
  if (base > raw)
    munmap(raw, (size_t)(base - raw));
  size_t tail = KILN_RT_HUGE_PAGE - (size_t)(base - raw);
  if (tail)
    munmap(base + len, tail);
#ifdef MADV_HUGEPAGE
  madvise(base, len, MADV_HUGEPAGE); /* advice only: may fail harmlessly */
#endif
  *mapped = len;
  return base;
}

void kiln_rt_large_free(void *p, size_t mapped) {
  if (p && mapped)
    munmap(p, mapped);
}

/*--- Embedded weights, copied once per process ---------------------------*/

typedef struct resident_weights {
  const kiln_rt_model *model;
  void *copy;
  size_t mapped;
  int64_t sessions;
  struct resident_weights *next;
} resident_weights;

static pthread_mutex_t resident_lock = PTHREAD_MUTEX_INITIALIZER;
static resident_weights *resident_list;

const void *kiln_rt_acquire_weights(const kiln_rt_model *m) {
  if (!m->weights || (m->flags & KILN_RT_MODEL_WEIGHTS_IN_PLACE) ||
      m->weights_bytes < KILN_RT_LARGE_BYTES || m->weights_bytes > SIZE_MAX)
    return m->weights;
  const void *result = m->weights;
  pthread_mutex_lock(&resident_lock);
  resident_weights *r = resident_list;
  while (r && r->model != m)
    r = r->next;
  if (r) {
    ++r->sessions;
    result = r->copy;
  } else if ((r = (resident_weights *)calloc(1, sizeof(*r)))) {
    size_t mapped;
    void *copy = kiln_rt_large_alloc((size_t)m->weights_bytes, &mapped);
    if (copy) {
      memcpy(copy, m->weights, (size_t)m->weights_bytes);
      mprotect(copy, mapped, PROT_READ); /* a stray store faults */
      *r = (resident_weights){m, copy, mapped, 1, resident_list};
      resident_list = r;
      result = copy;
    } else {
      free(r); /* no memory for the copy: read the library image */
    }
  }
  pthread_mutex_unlock(&resident_lock);
  return result;
}

void kiln_rt_release_weights(const kiln_rt_model *m, const void *weights) {
  if (!weights || weights == m->weights)
    return;
  pthread_mutex_lock(&resident_lock);
  for (resident_weights **link = &resident_list; *link;
       link = &(*link)->next) {
    resident_weights *r = *link;
    if (r->model != m || r->copy != weights)
      continue;
    if (--r->sessions == 0) {
      *link = r->next;
      kiln_rt_large_free(r->copy, r->mapped);
      free(r);
    }
    break;
  }
  pthread_mutex_unlock(&resident_lock);
}
