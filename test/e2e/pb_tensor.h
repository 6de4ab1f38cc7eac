/*===- pb_tensor.h - Minimal reader of ONNX TensorProto files for tests ---===*
 *
 * Reads dims, data_type and the float data (raw_data or float_data) of an
 * ONNX TensorProto (.pb) with no protobuf library, so the end-to-end test
 * programs stay plain C/C++ linking only a generated model library.
 *===----------------------------------------------------------------------===*/

#ifndef KILN_TEST_E2E_PB_TENSOR_H
#define KILN_TEST_E2E_PB_TENSOR_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int64_t dims[8];
  int32_t rank;
  int32_t dtype;
  float *data; /* malloc'ed, count floats */
  int64_t count;
} pb_tensor;

static int pb_varint(const unsigned char **p, const unsigned char *end,
                     uint64_t *v) {
  *v = 0;
  for (int shift = 0; *p < end && shift < 64; shift += 7) {
    unsigned char b = *(*p)++;
    *v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80))
      return 0;
  }
  return -1;
}

/* Returns 0 on success. Only float32 tensors are supported. */
static int pb_read_tensor(const char *path, pb_tensor *t) {
  memset(t, 0, sizeof(*t));
  FILE *f = fopen(path, "rb");
  if (!f)
    return -1;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *buf = (unsigned char *)malloc((size_t)size + 1);
  if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
    fclose(f);
    free(buf);
    return -1;
  }
  fclose(f);
  const unsigned char *p = buf, *end = buf + size;
  const unsigned char *raw = NULL, *floats = NULL;
  uint64_t raw_len = 0, floats_len = 0;
  while (p < end) {
    uint64_t key, v;
    if (pb_varint(&p, end, &key))
      break;
    unsigned field = (unsigned)(key >> 3), wire = (unsigned)(key & 7);
    if (wire == 0) {
      pb_varint(&p, end, &v);
      if (field == 1 && t->rank < 8)
        t->dims[t->rank++] = (int64_t)v;
      else if (field == 2)
        t->dtype = (int32_t)v;
    } else if (wire == 2) {
      pb_varint(&p, end, &v);
      if (v > (uint64_t)(end - p))
        break;
      if (field == 1) { /* packed dims */
        const unsigned char *q = p;
        while (q < p + v && t->rank < 8) {
          uint64_t d;
          pb_varint(&q, p + v, &d);
          t->dims[t->rank++] = (int64_t)d;
        }
      } else if (field == 9) {
        raw = p;
        raw_len = v;
      } else if (field == 4) {
        floats = p;
        floats_len = v;
      }
      p += v;
    } else if (wire == 5) {
      p += 4;
    } else if (wire == 1) {
      p += 8;
    } else {
      break;
    }
  }
  t->count = 1;
  for (int32_t i = 0; i < t->rank; ++i)
    t->count *= t->dims[i];
  const unsigned char *src = raw ? raw : floats;
  uint64_t len = raw ? raw_len : floats_len;
  if (t->dtype != 1 || !src || len != (uint64_t)t->count * 4) {
    free(buf);
    return -1;
  }
  t->data = (float *)malloc((size_t)len);
  memcpy(t->data, src, (size_t)len);
  free(buf);
  return 0;
}

#endif /* KILN_TEST_E2E_PB_TENSOR_H */
