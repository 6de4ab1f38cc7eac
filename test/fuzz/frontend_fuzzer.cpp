//===- frontend_fuzzer.cpp - libFuzzer target over the ONNX frontend ------===//
//
// Binary protobuf bytes through the whole frontend (FuzzFrontend.h). Built
// with -DKILN_FUZZ=ON (clang-22); see docs/reliability.md for how it is run.
//
//===----------------------------------------------------------------------===//

#include "FuzzFrontend.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  kiln::fuzz::runFrontend(data, size, kiln::fuzz::InputFormat::Binary);
  return 0;
}
