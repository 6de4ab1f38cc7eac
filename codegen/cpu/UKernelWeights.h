//===- UKernelWeights.h - Constant operands packed into the blob -*- C++ -*-===//
//
// Helper of kiln-cpu-lower-to-ukernels on bufferized IR: reads the constant
// behind a view of the weights blob (kiln-externalize-weights' layout), adds
// packed copies of constants to the blob and, once every call is built,
// drops the constants that nothing reads any more.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CPU_UKERNELWEIGHTS_H
#define KILN_CODEGEN_CPU_UKERNELWEIGHTS_H

#include "lowering/bufferize/EntryAbi.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"

#include <optional>
#include <vector>

namespace kiln::cpu {

/// The weights blob of a module, edited in place.
class WeightsBlobEditor {
public:
  explicit WeightsBlobEditor(mlir::ModuleOp module) : module(module) {}

  /// The f32 values of `memref` when it is a `memref.view` at a constant
  /// offset of the weights argument that covers one whole constant of the
  /// layout (row-major, as the constant's type); nullopt otherwise.
  std::optional<std::vector<float>> readF32(mlir::Value memref);

  /// A view (memref<N x f32>) of a new constant holding `data`, built at
  /// `b`'s insertion point; `key` names it, and the same key returns a view
  /// of the same constant. Only after readF32 succeeded.
  mlir::Value add(mlir::OpBuilder &b, mlir::Location loc,
                  llvm::StringRef key, llvm::ArrayRef<float> data);
  /// Whether `add` already holds a constant for `key`.
  bool contains(llvm::StringRef key) const;

  /// Drops unused views and the constants no view reads any more, places
  /// the rest again one after the other and writes the layout, the size and
  /// the weights argument's type back. Nothing when nothing was added.
  void finalize();

private:
  /// Reads the layout and finds the weights argument of `view`'s function.
  bool load(mlir::Value blobArg);

  mlir::ModuleOp module;
  mlir::BlockArgument blob;
  std::vector<WeightsLayoutEntry> entries;
  int64_t totalBytes = 0;
  llvm::StringMap<size_t> added; ///< key -> index into entries
  bool loaded = false;
};

} // namespace kiln::cpu

#endif // KILN_CODEGEN_CPU_UKERNELWEIGHTS_H
