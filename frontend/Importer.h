//===- Importer.h - ONNX ModelProto to the onnx dialect ---------*- C++ -*-===//
//
// Imports a parsed ONNX model into an MLIR module: the main graph becomes
// `func.func @main_graph`, every node one onnx op (older op versions
// converted to the newest form), initializers `onnx.Constant`s whose large
// values are resource blobs, subgraphs regions.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_IMPORTER_H
#define KILN_FRONTEND_IMPORTER_H

#include "frontend/OnnxProto.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"

#include <memory>
#include <string>

namespace kiln {

struct ImportOptions {
  /// The model file: named in locations, and its folder holds external data.
  std::string modelPath;
  /// Symbolic dimensions to make static (`--dim N=1`).
  llvm::StringMap<int64_t> dimOverrides;
  /// Tensors with more elements than this become resource blobs
  /// (dense_resource); smaller ones stay inline dense attributes.
  int64_t denseElementLimit = 64;
};

/// Registers the dialects imported modules use (onnx, func).
void registerImporterDialects(mlir::DialectRegistry &registry);

/// Imports `model`. Errors are emitted on `ctx` with the node's location;
/// the header (IR version, opsets) is checked here too.
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
importModel(mlir::MLIRContext &ctx, const pb::ModelProto &model,
            const ImportOptions &options);

/// Imports `model` and frees it. The raw_data buffers of large initializers
/// move into their resource blobs instead of being copied, so the weights
/// are in memory once, not twice, while the model is imported.
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
importModel(mlir::MLIRContext &ctx, std::unique_ptr<pb::ModelProto> model,
            const ImportOptions &options);

} // namespace kiln

#endif // KILN_FRONTEND_IMPORTER_H
