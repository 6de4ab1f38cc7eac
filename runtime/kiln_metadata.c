/*===- kiln_metadata.c - Model metadata accessors and dtype sizes ---------===*
 *
 * The bodies of `<m>_num_inputs/_input_name/_input_dtype/...`: plain reads
 * of the model descriptor with range checks.
 *===----------------------------------------------------------------------===*/

#include "runtime/kiln_internal.h"

size_t kiln_rt_dtype_size(int32_t dtype) {
  switch (dtype) {
  case 2:  /* uint8 */
  case 3:  /* int8 */
  case 9:  /* bool */
  case 17: /* float8e4m3fn */
  case 18: /* float8e4m3fnuz */
  case 19: /* float8e5m2 */
  case 20: /* float8e5m2fnuz */
  case 24: /* float8e8m0 */
  /* 4- and 2-bit types are not packed in the C API: one element per byte,
   * the value in the low bits. */
  case 21: /* uint4 */
  case 22: /* int4 */
  case 23: /* float4e2m1 */
  case 25: /* uint2 */
  case 26: /* int2 */
    return 1;
  case 4:  /* uint16 */
  case 5:  /* int16 */
  case 10: /* float16 */
  case 16: /* bfloat16 */
    return 2;
  case 1:  /* float */
  case 6:  /* int32 */
  case 12: /* uint32 */
    return 4;
  case 8:  /* string: a const char * per element */
    return sizeof(const char *);
  case 7:  /* int64 */
  case 11: /* double */
  case 13: /* uint64 */
  case 14: /* complex64 */
    return 8;
  case 15: /* complex128 */
    return 16;
  default:
    return 0;
  }
}

static const kiln_rt_tensor_desc *tensor(const kiln_rt_model *m, int outputs,
                                         size_t i) {
  if (!m)
    return NULL;
  size_t n = (size_t)(outputs ? m->num_outputs : m->num_inputs);
  if (i >= n)
    return NULL;
  return outputs ? &m->outputs[i] : &m->inputs[i];
}

size_t kiln_rt_num_tensors(const kiln_rt_model *m, int outputs) {
  return m ? (size_t)(outputs ? m->num_outputs : m->num_inputs) : 0;
}

const char *kiln_rt_tensor_name(const kiln_rt_model *m, int outputs,
                                size_t i) {
  const kiln_rt_tensor_desc *t = tensor(m, outputs, i);
  return t ? t->name : NULL;
}

int32_t kiln_rt_tensor_dtype(const kiln_rt_model *m, int outputs, size_t i) {
  const kiln_rt_tensor_desc *t = tensor(m, outputs, i);
  return t ? t->dtype : 0;
}

int32_t kiln_rt_tensor_rank(const kiln_rt_model *m, int outputs, size_t i) {
  const kiln_rt_tensor_desc *t = tensor(m, outputs, i);
  return t ? t->rank : -1;
}

int64_t kiln_rt_tensor_dim(const kiln_rt_model *m, int outputs, size_t i,
                           size_t d) {
  const kiln_rt_tensor_desc *t = tensor(m, outputs, i);
  if (!t || d >= (size_t)t->rank)
    return -1;
  return t->dims[d] < 0 ? -1 : t->dims[d];
}

size_t kiln_rt_workspace_bytes(const kiln_rt_model *m) {
  return m ? (size_t)m->workspace_bytes : 0;
}
