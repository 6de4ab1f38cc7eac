//===- frontend_fuzzer.cpp - libFuzzer target over the ONNX frontend ------===//
//
// Bytes -> protobuf parse -> import into the onnx dialect -> verify -> the
// import pipeline (shape inference, canonicalize, CSE). Any crash, sanitizer
// report, leak or timeout is a bug: every input must either import or fail
// with a diagnostic. Built with -DKILN_FUZZ=ON (clang-22); see
// docs/reliability.md for how it is run.
//
//===----------------------------------------------------------------------===//

#include "frontend/Importer.h"
#include "frontend/ModelReader.h"
#include "lowering/Pipelines.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"

#include <cstddef>
#include <cstdint>

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool initialized = [] {
    kiln::silenceProtobufLogging();
    return true;
  }();
  (void)initialized;

  DialectRegistry registry;
  kiln::registerImporterDialects(registry);
  MLIRContext ctx(registry, MLIRContext::Threading::DISABLED);
  bool hadError = false;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error)
      hadError = true;
    return success();
  });

  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  // A model folder that does not exist: external data never resolves.
  const char *path = "/nonexistent-kiln-fuzz/model.onnx";
  auto model = kiln::parseModelBytes(ctx, bytes, path);
  if (failed(model))
    return 0;
  kiln::ImportOptions options;
  options.modelPath = path;
  auto module = kiln::importModel(ctx, **model, options);
  if (failed(module) || hadError)
    return 0;
  if (failed(verify(**module)))
    return 0;
  PassManager pm(&ctx);
  kiln::buildOnnxImportPipeline(pm);
  (void)pm.run(**module);
  return 0;
}
