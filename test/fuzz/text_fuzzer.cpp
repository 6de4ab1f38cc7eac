//===- text_fuzzer.cpp - libFuzzer target over the ONNX text reader -------===//
//
// Protobuf text format (.textproto, what the lit tests use) through the
// whole frontend (FuzzFrontend.h). Seeded with the lit tests' textprotos.
// Built with -DKILN_FUZZ=ON (clang-22); see docs/reliability.md.
//
//===----------------------------------------------------------------------===//

#include "FuzzFrontend.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  kiln::fuzz::runFrontend(data, size, kiln::fuzz::InputFormat::Text);
  return 0;
}
