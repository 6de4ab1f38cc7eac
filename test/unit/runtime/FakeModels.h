//===- FakeModels.h - Hand-written model descriptors and kernels ----------===//
//
// Two tiny models for the runtime tests, with kernels written in C++ against
// the kiln_frame ABI:
//  - static:  a f32[2,4], b f32[4] -> y f32[2,4] = a + b + weights[0]
//             (rows spread over the pool with kiln_rt_parallel_for)
//  - dynamic: x f32[N,3], z i64[N] -> y f32[N,3] = x * z, count i64[] = N
//  - positives: x f32[6] -> p f32[?] = the positive elements of x (a
//             data-dependent output, published from a strided scratch
//             buffer); x[0] < -100 fails a run-time check
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TEST_UNIT_RUNTIME_FAKEMODELS_H
#define KILN_TEST_UNIT_RUNTIME_FAKEMODELS_H

#include "runtime/kiln_runtime.h"

namespace fake {

inline const float kWeights[4] = {0.5f, 1.0f, 2.0f, 3.0f};

struct RowCtx {
  const float *a, *b, *w;
  float *y;
};

inline void addRows(void *raw, int64_t begin, int64_t end) {
  auto *c = static_cast<RowCtx *>(raw);
  for (int64_t r = begin; r < end; ++r)
    for (int j = 0; j < 4; ++j)
      c->y[r * 4 + j] = c->a[r * 4 + j] + c->b[j] + c->w[0];
}

inline void staticKernel(const kiln_frame *f) {
  RowCtx c{static_cast<const float *>(f->inputs[0]),
           static_cast<const float *>(f->inputs[1]),
           static_cast<const float *>(f->weights),
           static_cast<float *>(f->outputs[0])};
  kiln_rt_parallel_for(f->runtime, 2, addRows, &c);
}

inline const int64_t kDimsA[] = {2, 4}, kDimsB[] = {4};
inline const int32_t kNoSyms[] = {-1, -1};
inline const kiln_rt_tensor_desc kStaticIn[] = {
    {"a", 1, 2, kDimsA, kNoSyms}, {"b", 1, 1, kDimsB, kNoSyms}};
inline const kiln_rt_tensor_desc kStaticOut[] = {
    {"y", 1, 2, kDimsA, kNoSyms}};

inline kiln_rt_model staticModel() {
  kiln_rt_model m{};
  m.abi_version = KILN_RT_ABI_VERSION;
  m.num_inputs = 2;
  m.num_outputs = 1;
  m.name = "fake_static";
  m.inputs = kStaticIn;
  m.outputs = kStaticOut;
  m.workspace_bytes = 256;
  m.weights = kWeights;
  m.weights_bytes = sizeof(kWeights);
  m.kernel = staticKernel;
  return m;
}

inline void dynamicKernel(const kiln_frame *f) {
  const float *x = static_cast<const float *>(f->inputs[0]);
  const int64_t *z = static_cast<const int64_t *>(f->inputs[1]);
  float *y = static_cast<float *>(f->outputs[0]);
  int64_t n = f->input_shapes[0][0];
  for (int64_t i = 0; i < n; ++i)
    for (int j = 0; j < 3; ++j)
      y[i * 3 + j] = x[i * 3 + j] * static_cast<float>(z[i]);
  *static_cast<int64_t *>(f->outputs[1]) = f->output_shapes[0][0];
}

inline const int64_t kDimsX[] = {-1, 3}, kDimsZ[] = {-1};
inline const int32_t kSymsX[] = {0, -1}, kSymsZ[] = {0};
inline const kiln_rt_tensor_desc kDynIn[] = {{"x", 1, 2, kDimsX, kSymsX},
                                              {"z", 7, 1, kDimsZ, kSymsZ}};
inline const kiln_rt_tensor_desc kDynOut[] = {{"y", 1, 2, kDimsX, kSymsX},
                                               {"count", 7, 0, nullptr, nullptr}};
inline const kiln_rt_symbol_desc kDynSyms[] = {{"N", 0, 0}};

inline kiln_rt_model dynamicModel() {
  kiln_rt_model m{};
  m.abi_version = KILN_RT_ABI_VERSION;
  m.num_inputs = 2;
  m.num_outputs = 2;
  m.num_symbols = 1;
  m.name = "fake_dynamic";
  m.inputs = kDynIn;
  m.outputs = kDynOut;
  m.symbols = kDynSyms;
  m.kernel = dynamicKernel;
  return m;
}

inline void positivesKernel(const kiln_frame *f) {
  const float *x = static_cast<const float *>(f->inputs[0]);
  if (x[0] < -100.0f)
    kiln_rt_check_failed("x[0] below -100");
  // Every other slot of a scratch buffer: the runtime handles strides.
  float scratch[12];
  int64_t n = 0;
  for (int i = 0; i < 6; ++i)
    if (x[i] > 0.0f)
      scratch[2 * n++] = x[i];
  int64_t dimsStrides[2] = {n, 2};
  kiln_rt_publish_output(0, scratch, dimsStrides);
}

inline const int64_t kDimsSix[] = {6}, kDimsUnknown[] = {-1};
inline const int32_t kNoSym[] = {-1};
inline const kiln_rt_tensor_desc kPosIn[] = {{"x", 1, 1, kDimsSix, kNoSym}};
inline const kiln_rt_tensor_desc kPosOut[] = {
    {"p", 1, 1, kDimsUnknown, kNoSym}};

inline kiln_rt_model positivesModel() {
  kiln_rt_model m{};
  m.abi_version = KILN_RT_ABI_VERSION;
  m.num_inputs = 1;
  m.num_outputs = 1;
  m.name = "fake_positives";
  m.inputs = kPosIn;
  m.outputs = kPosOut;
  m.kernel = positivesKernel;
  return m;
}

} // namespace fake

#endif // KILN_TEST_UNIT_RUNTIME_FAKEMODELS_H
