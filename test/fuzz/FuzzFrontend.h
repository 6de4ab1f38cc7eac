//===- FuzzFrontend.h - The body shared by kiln's frontend fuzzers ---------===//
//
// One input through the whole frontend: parse (binary protobuf or protobuf
// text format) -> import into the onnx dialect -> verify -> the import
// pipeline (shape inference, canonicalize, CSE). Every input must either
// import or fail with a diagnostic; a crash, sanitizer report, leak or
// timeout is a bug.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TEST_FUZZ_FUZZFRONTEND_H
#define KILN_TEST_FUZZ_FUZZFRONTEND_H

#include "frontend/Importer.h"
#include "frontend/ModelReader.h"
#include "lowering/Pipelines.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"

#include <cstddef>
#include <cstdint>

namespace kiln::fuzz {

enum class InputFormat { Binary, Text };

inline void runFrontend(const uint8_t *data, size_t size, InputFormat format) {
  static bool initialized = [] {
    kiln::silenceProtobufLogging();
    return true;
  }();
  (void)initialized;

  mlir::DialectRegistry registry;
  kiln::registerImporterDialects(registry);
  mlir::MLIRContext ctx(registry, mlir::MLIRContext::Threading::DISABLED);
  bool hadError = false;
  mlir::ScopedDiagnosticHandler handler(&ctx, [&](mlir::Diagnostic &diag) {
    if (diag.getSeverity() == mlir::DiagnosticSeverity::Error)
      hadError = true;
    return mlir::success();
  });

  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  // A model folder that does not exist: external data never resolves.
  const char *path = format == InputFormat::Text
                         ? "/nonexistent-kiln-fuzz/model.textproto"
                         : "/nonexistent-kiln-fuzz/model.onnx";
  auto model = format == InputFormat::Text
                   ? kiln::parseModelText(ctx, bytes, path)
                   : kiln::parseModelBytes(ctx, bytes, path);
  if (mlir::failed(model))
    return;
  kiln::ImportOptions options;
  options.modelPath = path;
  auto module = kiln::importModel(ctx, **model, options);
  if (mlir::failed(module) || hadError)
    return;
  if (mlir::failed(mlir::verify(**module)))
    return;
  mlir::PassManager pm(&ctx);
  kiln::buildOnnxImportPipeline(pm);
  (void)pm.run(**module);
}

} // namespace kiln::fuzz

#endif // KILN_TEST_FUZZ_FUZZFRONTEND_H
