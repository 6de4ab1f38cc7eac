/*===- kiln_heap.c - The kernel's heap buffers, tracked per run ------------===*
 *
 * Buffers whose size is known only at run time (memref.alloc with dynamic
 * sizes) come from _mlir_memref_to_llvm_alloc/_free: the CPU pipeline
 * lowers memrefs with use-generic-functions. While a run is in progress on
 * this thread, each block is linked into its session's kiln_rt_heap, so a
 * failed run-time check, which longjmps out of the kernel past its frees,
 * can free what the kernel still held (kiln_rt_heap_release). Blocks made
 * on pool workers (inside parallel_for chunks, which never fail a check
 * and free what they allocate before returning) are not linked.
 *===----------------------------------------------------------------------===*/

#include <stdint.h>
#include <stdlib.h>

#include "runtime/kiln_internal.h"

_Static_assert(sizeof(kiln_rt_heap_block) % 16 == 0,
               "a block's data must keep malloc's alignment");

/* The heap of the run on this thread. */
static _Thread_local kiln_rt_heap *kiln_rt_heap_current;

int kiln_rt_heap_init(kiln_rt_heap *h) {
  h->head.prev = h->head.next = &h->head;
  h->head.heap = h;
  if (pthread_mutex_init(&h->mu, NULL) != 0)
    return KILN_ERR_OUT_OF_MEMORY;
  h->ready = 1;
  return KILN_OK;
}

void kiln_rt_heap_free(kiln_rt_heap *h) {
  if (!h->ready)
    return;
  kiln_rt_heap_release(h);
  pthread_mutex_destroy(&h->mu);
  h->ready = 0;
}

kiln_rt_heap *kiln_rt_heap_make_current(kiln_rt_heap *h) {
  kiln_rt_heap *previous = kiln_rt_heap_current;
  kiln_rt_heap_current = h;
  return previous;
}

void kiln_rt_heap_release(kiln_rt_heap *h) {
  pthread_mutex_lock(&h->mu);
  kiln_rt_heap_block *b = h->head.next;
  while (b != &h->head) {
    kiln_rt_heap_block *next = b->next;
    free(b);
    b = next;
  }
  h->head.prev = h->head.next = &h->head;
  pthread_mutex_unlock(&h->mu);
}

void kiln_rt_heap_forget(kiln_rt_heap *h) {
  pthread_mutex_lock(&h->mu);
  kiln_rt_heap_block *b = h->head.next;
  while (b != &h->head) {
    kiln_rt_heap_block *next = b->next;
    b->prev = b->next = b;
    b->heap = NULL;
    b = next;
  }
  h->head.prev = h->head.next = &h->head;
  pthread_mutex_unlock(&h->mu);
}

void *_mlir_memref_to_llvm_alloc(size_t bytes) {
  if (bytes > SIZE_MAX - sizeof(kiln_rt_heap_block))
    return NULL;
  kiln_rt_heap_block *b =
      (kiln_rt_heap_block *)malloc(sizeof(kiln_rt_heap_block) + bytes);
  if (!b)
    return NULL;
  kiln_rt_heap *h = kiln_rt_heap_current;
  b->heap = h;
  b->reserved = 0;
  if (h) {
    pthread_mutex_lock(&h->mu);
    b->prev = &h->head;
    b->next = h->head.next;
    h->head.next->prev = b;
    h->head.next = b;
    pthread_mutex_unlock(&h->mu);
  } else {
    b->prev = b->next = b;
  }
  return b + 1;
}

void _mlir_memref_to_llvm_free(void *p) {
  if (!p)
    return;
  kiln_rt_heap_block *b = (kiln_rt_heap_block *)p - 1;
  kiln_rt_heap *h = b->heap;
  if (h) {
    pthread_mutex_lock(&h->mu);
    b->prev->next = b->next;
    b->next->prev = b->prev;
    pthread_mutex_unlock(&h->mu);
  }
  free(b);
}
