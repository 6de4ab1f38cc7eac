//===- two_models_test.cpp - C++ wrapper, two models, 8 threads -----------===//
//
// Links libtiny.a (weights embedded) and libdigits.a (weights in
// digits.weights) into one executable: no symbol clashes, both usable
// through their generated C++ wrappers; tiny matches ONNX Runtime's
// output_0.pb; 8 threads with one session each give bitwise identical
// results to a single-threaded run. Usage: two_models_test DATA_DIR WEIGHTS
//
//===----------------------------------------------------------------------===//

#include "digits.hpp"
#include "tiny.hpp"

extern "C" {
#include "pb_tensor.h"
}

#include <cmath>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

static int failures = 0;
#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,   \
                   #cond);                                                     \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: two_models_test DATA_DIR DIGITS_WEIGHTS\n");
    return 2;
  }
  pb_tensor x, y;
  std::string dir = argv[1];
  if (pb_read_tensor((dir + "/input_0.pb").c_str(), &x) ||
      pb_read_tensor((dir + "/output_0.pb").c_str(), &y)) {
    std::fprintf(stderr, "cannot read the test data in %s\n", argv[1]);
    return 1;
  }

  // tiny through the RAII wrapper.
  tiny::Session session(1);
  kiln_tensor in[] = {kiln::tensor(x.data, x.dims, x.rank, 1)};
  kiln_tensor out[1] = {};
  session.run(in, out);
  const float *probs = static_cast<const float *>(out[0].data);
  for (int64_t i = 0; i < y.count; ++i)
    CHECK(std::fabs(probs[i] - y.data[i]) <= 1e-4f + 1e-3f * std::fabs(y.data[i]));
  std::vector<float> reference(probs, probs + y.count);

  // Errors surface as kiln::error with the runtime's message.
  bool threw = false;
  try {
    kiln_tensor badIn[] = {kiln::tensor(x.data, x.dims, x.rank, 7)};
    session.run(badIn, out);
  } catch (const kiln::error &e) {
    threw = e.code() == KILN_ERR_INVALID_ARGUMENT &&
            std::strstr(e.what(), "dtype") != nullptr;
  }
  CHECK(threw);

  // digits: a different model in the same executable, weights from a file.
  CHECK(digits::Session::num_inputs() == 1);
  {
    threw = false;
    try {
      digits::Session missing(1, "/nonexistent/digits.weights");
    } catch (const kiln::error &e) {
      threw = e.code() == KILN_ERR_WEIGHTS;
    }
    CHECK(threw);
    digits::Session d(1, argv[2]);
    int64_t shape[4] = {2, 1, 8, 8};
    std::vector<float> image(2 * 64, 0.5f);
    kiln_tensor din[] = {kiln::tensor(image.data(), shape, 4, 1)};
    kiln_tensor dout[1] = {};
    d.run(din, dout);
    CHECK(dout[0].rank == 2 && dout[0].shape[0] == 2 && dout[0].shape[1] == 10);
    for (int i = 0; i < 20; ++i)
      CHECK(std::isfinite(static_cast<const float *>(dout[0].data)[i]));
  }

  // 8 threads x separate sessions (threads 1..8 each): identical bits.
  std::vector<int> bad(8, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      tiny::Session s(t + 1);
      for (int it = 0; it < 200; ++it) {
        kiln_tensor tin[] = {kiln::tensor(x.data, x.dims, x.rank, 1)};
        kiln_tensor tout[1] = {};
        s.run(tin, tout);
        if (std::memcmp(tout[0].data, reference.data(),
                        reference.size() * sizeof(float)) != 0)
          ++bad[t];
      }
    });
  for (auto &th : threads)
    th.join();
  for (int t = 0; t < 8; ++t)
    CHECK(bad[t] == 0);

  std::free(x.data);
  std::free(y.data);
  if (failures) {
    std::fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  std::printf("two_models_test: ok\n");
  return 0;
}
