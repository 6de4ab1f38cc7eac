//===- ModelReader.h - Reading and validating ONNX model files --*- C++ -*-===//
//
// Reads a ModelProto from a binary protobuf file (or protobuf text format for
// .textproto/.pbtxt/.txtpb files, which lit tests use), with a bounded file
// size and recursion depth, and checks the model header: IR version and the
// opset imports. Errors are reported as MLIR diagnostics on the context.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_MODELREADER_H
#define KILN_FRONTEND_MODELREADER_H

#include "frontend/OnnxProto.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringMap.h"

#include <memory>

namespace google::protobuf::io {
class ZeroCopyInputStream;
} // namespace google::protobuf::io

namespace kiln {

/// Limits applied while parsing untrusted model files.
struct ReadLimits {
  /// Largest model file accepted (protobuf cannot parse 2 GiB or more).
  uint64_t maxFileBytes = (uint64_t(1) << 31) - 1;
  /// Deepest message nesting accepted (subgraphs, nested types).
  int recursionLimit = 100;
};

/// Silences protobuf's own logging (it would otherwise print to stderr).
/// Idempotent; the driver calls it once at start-up.
void silenceProtobufLogging();

/// Reads and parses `path`. Text format is chosen by the extension
/// (.textproto, .pbtxt, .txtpb, .prototxt); everything else is binary.
mlir::FailureOr<std::unique_ptr<pb::ModelProto>>
readModelFile(mlir::MLIRContext &ctx, llvm::StringRef path,
              const ReadLimits &limits = {});

/// Parses a binary ModelProto held in memory; `path` names it in errors.
mlir::FailureOr<std::unique_ptr<pb::ModelProto>>
parseModelBytes(mlir::MLIRContext &ctx, llvm::StringRef bytes,
                llvm::StringRef path, const ReadLimits &limits = {});

/// Parses a binary ModelProto read from `input`; `path` names it in errors.
mlir::FailureOr<std::unique_ptr<pb::ModelProto>>
parseModelStream(mlir::MLIRContext &ctx,
                 google::protobuf::io::ZeroCopyInputStream &input,
                 llvm::StringRef path, const ReadLimits &limits = {});

/// Parses a ModelProto in protobuf text format; `path` names it in errors.
mlir::FailureOr<std::unique_ptr<pb::ModelProto>>
parseModelText(mlir::MLIRContext &ctx, llvm::StringRef text,
               llvm::StringRef path, const ReadLimits &limits = {});

/// The facts of a model header the importer needs.
struct ModelHeader {
  int64_t irVersion = 0;
  /// The opset of the default domain ("" or "ai.onnx"); 0 when the model
  /// imports only other domains.
  int64_t opsetVersion = 0;
  /// Versions of other imported domains (nodes using them are rejected).
  llvm::StringMap<int64_t> otherDomains;
};

/// Checks the IR version (at most getPinnedIRVersion()) and the opset
/// imports (IR version >= 3 requires one for the default domain, at most
/// getPinnedOpsetVersion()).
mlir::FailureOr<ModelHeader> checkModelHeader(mlir::MLIRContext &ctx,
                                              const pb::ModelProto &model,
                                              llvm::StringRef path);

/// Whether `domain` names the default ONNX domain.
inline bool isDefaultDomain(llvm::StringRef domain) {
  return domain.empty() || domain == "ai.onnx";
}

} // namespace kiln

#endif // KILN_FRONTEND_MODELREADER_H
