// digits_demo: classifies the held-out 8x8 digits with the kiln-compiled
// digits model (libdigits.a + digits.h/digits.hpp, built by kiln_add_model)
// and checks that its accuracy equals ONNX Runtime's (ort_accuracy.txt,
// written by train.py). Uses the generated C++ wrapper: digits::Session is an
// RAII session over digits_create/_run/_destroy that throws kiln::error.
//
// Usage: digits_demo [--data digits_test.bin] [--ort ort_accuracy.txt]
//                    [--batch B] [--threads T]
// Exit status: 0 when the accuracy matches ONNX Runtime's, 1 otherwise.
#include "digits.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#ifndef DIGITS_DATA_DIR
#define DIGITS_DATA_DIR "."
#endif

namespace {

constexpr int kPixels = 64, kClasses = 10;

struct TestSet {
  std::vector<float> pixels; // count x 64, the model's input values
  std::vector<int32_t> labels;
};

// digits_test.bin: int32 count, then per image 64 float32 + int32 label (LE).
bool readTestSet(const std::string &path, TestSet &set) {
  std::ifstream in(path, std::ios::binary);
  int32_t count = 0;
  if (!in.read(reinterpret_cast<char *>(&count), sizeof count) || count <= 0)
    return false;
  set.pixels.resize(size_t(count) * kPixels);
  set.labels.resize(count);
  for (int32_t i = 0; i < count; ++i) {
    in.read(reinterpret_cast<char *>(&set.pixels[size_t(i) * kPixels]),
            kPixels * sizeof(float));
    in.read(reinterpret_cast<char *>(&set.labels[i]), sizeof(int32_t));
  }
  return bool(in);
}

// ort_accuracy.txt: "correct=C total=T accuracy=A".
bool readOrtResult(const std::string &path, long &correct, long &total) {
  std::ifstream in(path);
  std::string line;
  return std::getline(in, line) &&
         std::sscanf(line.c_str(), "correct=%ld total=%ld", &correct, &total) == 2;
}

// "image [?,1,8,8]" from the generated metadata functions (-1: dynamic).
std::string describe(const char *name, int32_t rank, int64_t (*dim)(size_t, size_t)) {
  std::string text = std::string(name) + " [";
  for (int32_t d = 0; d < rank; ++d) {
    int64_t v = dim(0, size_t(d));
    text += (d ? "," : "") + (v < 0 ? std::string("?") : std::to_string(v));
  }
  return text + "]";
}

int run(int argc, char **argv) {
  std::string data = DIGITS_DATA_DIR "/digits_test.bin";
  std::string ort = DIGITS_DATA_DIR "/ort_accuracy.txt";
  long batch = 32;
  int threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--data")) data = argv[i + 1];
    else if (!std::strcmp(argv[i], "--ort")) ort = argv[i + 1];
    else if (!std::strcmp(argv[i], "--batch")) batch = std::atol(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "digits_demo: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (argc % 2 == 0 || batch <= 0) {
    std::fprintf(stderr, "usage: digits_demo [--data F] [--ort F] [--batch B] [--threads T]\n");
    return 2;
  }

  TestSet set;
  if (!readTestSet(data, set)) {
    std::fprintf(stderr, "digits_demo: cannot read test set %s\n", data.c_str());
    return 1;
  }
  long ortCorrect = 0, ortTotal = 0;
  if (!readOrtResult(ort, ortCorrect, ortTotal)) {
    std::fprintf(stderr, "digits_demo: cannot read %s\n", ort.c_str());
    return 1;
  }

  std::printf("model digits: %s -> %s, workspace %zu bytes\n",
              describe(digits_input_name(0), digits_input_rank(0), digits_input_dim).c_str(),
              describe(digits_output_name(0), digits_output_rank(0), digits_output_dim).c_str(),
              size_t(digits_workspace_bytes()));
  digits::Session session(threads); // threads <= 0: one per CPU

  // Run the test set in batches of `batch` images (the last one may be
  // smaller): the batch dimension N of digits.onnx is dynamic. An output with
  // a dynamic dim lives in a session-owned buffer that run points out.data
  // at (valid until the next run) and describes in out.shape/rank/dtype.
  const long count = long(set.labels.size());
  long correct = 0;
  for (long first = 0; first < count; first += batch) {
    const long n = count - first < batch ? count - first : batch;
    const int64_t inShape[4] = {n, 1, 8, 8};
    kiln_tensor in[1] = {
        kiln::tensor(&set.pixels[size_t(first) * kPixels], inShape, 4, 1 /*ONNX FLOAT*/)};
    kiln_tensor out[1] = {};
    session.run(in, out);
    if (!out[0].data || out[0].rank != 2 || out[0].dtype != 1 || out[0].shape[0] != n ||
        out[0].shape[1] != kClasses) {
      std::fprintf(stderr, "digits_demo: unexpected output (rank %d, dtype %d)\n",
                   int(out[0].rank), int(out[0].dtype));
      return 1;
    }
    const float *logits = static_cast<const float *>(out[0].data);
    for (long i = 0; i < n; ++i) {
      const float *row = &logits[size_t(i) * kClasses];
      int best = 0;
      for (int c = 1; c < kClasses; ++c)
        if (row[c] > row[best]) best = c;
      correct += best == set.labels[first + i];
    }
  }

  std::printf("kiln:        %ld/%ld correct, accuracy %.4f\n", correct, count,
              double(correct) / count);
  std::printf("onnxruntime: %ld/%ld correct, accuracy %.4f\n", ortCorrect, ortTotal,
              double(ortCorrect) / ortTotal);
  if (correct != ortCorrect || count != ortTotal) {
    std::printf("MISMATCH: kiln's accuracy differs from ONNX Runtime's\n");
    return 1;
  }
  std::printf("OK: kiln's accuracy equals ONNX Runtime's\n");
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  try {
    return run(argc, argv);
  } catch (const kiln::error &e) { // a failed create or run
    std::fprintf(stderr, "digits_demo: kiln error %d: %s\n", e.code(), e.what());
    return 1;
  }
}
