//===- EntryAbi.h - attributes describing the entry function's ABI -*- C++ -*-===//
//
// Names of the attributes through which bufferization, memory planning and
// codegen agree on the entry function's arguments and the module's layout
// records, and the lookup of the entry function itself.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LOWERING_BUFFERIZE_ENTRYABI_H
#define KILN_LOWERING_BUFFERIZE_ENTRYABI_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace kiln {

/// Unit attribute on the entry argument holding the weights blob.
inline constexpr llvm::StringLiteral kWeightsArgAttr = "kiln.weights";
/// Unit attribute on the entry argument holding the arena.
inline constexpr llvm::StringLiteral kArenaArgAttr = "kiln.arena";
/// Unit attribute that upstream buffer-results-to-out-params puts on outputs.
inline constexpr llvm::StringLiteral kResultArgAttr = "bufferize.result";
/// Unit attribute naming the entry function when the module has several.
inline constexpr llvm::StringLiteral kEntryFuncAttr = "kiln.entry";

/// Unit result attribute of the graph function: the output's size is known
/// only after running (set by the driver, see codegen/package ModelInterface).
inline constexpr llvm::StringLiteral kDataDependentResultAttr =
    "kiln.data_dependent";
/// Entry function attribute: graph output indices of the data-dependent
/// results that kiln-publish-data-dependent-results removed (dense i64 array).
inline constexpr llvm::StringLiteral kDataDependentOutputsAttr =
    "kiln.data_dependent_outputs";
/// The runtime function a kernel publishes data-dependent outputs with.
inline constexpr llvm::StringLiteral kPublishOutputFn = "kiln_rt_publish_output";

/// Module attributes.
inline constexpr llvm::StringLiteral kWeightsLayoutAttr = "kiln.weights_layout";
inline constexpr llvm::StringLiteral kWeightsBytesAttr = "kiln.weights_bytes";
inline constexpr llvm::StringLiteral kWorkspaceBytesAttr =
    "kiln.workspace_bytes";

/// Alignment of every buffer placed in the weights blob or the arena.
inline constexpr int64_t kBufferAlignment = 64;

/// One constant of the weights blob, as the module's kWeightsLayoutAttr
/// records it (a dictionary {name, offset, size, value}).
struct WeightsLayoutEntry {
  mlir::StringAttr name;
  int64_t offset = 0, size = 0;
  mlir::ElementsAttr value;
};

/// Reads kWeightsLayoutAttr (no entries when the module has none); fails on
/// a malformed entry.
mlir::FailureOr<llvm::SmallVector<WeightsLayoutEntry>>
readWeightsLayout(mlir::ModuleOp module);

/// Writes kWeightsLayoutAttr and kWeightsBytesAttr.
void writeWeightsLayout(mlir::ModuleOp module,
                        llvm::ArrayRef<WeightsLayoutEntry> entries,
                        int64_t totalBytes);

/// Returns the entry function: the one tagged `kiln.entry`, else
/// `@main_graph`, else the only public function with a body. Emits an error on
/// the module and fails when there is none or the choice is ambiguous.
mlir::FailureOr<mlir::func::FuncOp> findEntryFunction(mlir::ModuleOp module);

/// Role of one entry argument after bufferization.
enum class EntryArgKind { Input, Output, Weights, Arena };

/// Returns the role of argument `index` of the bufferized entry function.
EntryArgKind getEntryArgKind(mlir::func::FuncOp entry, unsigned index);

} // namespace kiln

#endif // KILN_LOWERING_BUFFERIZE_ENTRYABI_H
