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

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

struct ImportOptions {
  /// The model file: named in locations, and its folder holds external data.
  std::string modelPath;
  /// Symbolic dimensions to make static (`--dim N=1`).
  llvm::StringMap<int64_t> dimOverrides;
  /// The structure of sequence and optional graph inputs, fixed at compile
  /// time (the C API carries tensors only): a sequence of `length` tensors
  /// becomes `length` tensor inputs `name[0]`..., an optional input a tensor
  /// input `name` (or the inputs of the sequence it holds) when `present`,
  /// no input when not.
  struct InputStructure {
    bool present = true;
    /// The number of tensors of a sequence input (or of the sequence an
    /// optional input holds); -1 when unknown.
    int64_t length = -1;
    /// The rank of each element, for sequences whose element type has no
    /// rank (taken from the test data); empty when not known.
    std::vector<int64_t> elementRanks;
  };
  /// By input name (`--seq-len NAME=K`, `--absent NAME`); an optional tensor
  /// input without an entry is present.
  llvm::StringMap<InputStructure> inputStructures;
  /// Called for every graph input (not initializers) with its position
  /// among them, its name and its type; for a sequence/optional input not
  /// in `inputStructures` what it returns is the structure (kiln run reads
  /// it from the test data).
  std::function<std::optional<InputStructure>(
      unsigned position, llvm::StringRef name, mlir::Type type)>
      describeInput;
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
