//===- ExternalizeWeights.cpp - constants as views of the weights blob ----===//
//
// Replaces large constant `memref.global`s by views at fixed offsets into a
// weights argument of the entry function, so their bytes never pass through
// LLVM IR. The module records where each constant went; the packager copies
// the bytes from the recorded values (resource blobs) in that order.
//
//===----------------------------------------------------------------------===//

#include "lowering/bufferize/EntryAbi.h"

#include "lowering/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/MathExtras.h"

namespace kiln {
#define GEN_PASS_DEF_KILNEXTERNALIZEWEIGHTS
#include "lowering/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// Bytes of one element as the LLVM lowering stores it, or failure for types
/// that have no fixed byte size in a blob (index, sub-byte packed types).
FailureOr<int64_t> getStorageBytes(Type elementType) {
  if (elementType.isIntOrFloat()) {
    unsigned bits = elementType.getIntOrFloatBitWidth();
    if (bits == 1)
      return 1;
    if (bits % 8 == 0)
      return bits / 8;
  }
  return failure();
}

/// Whether `global` should move into the weights blob.
bool shouldExternalize(memref::GlobalOp global, int64_t minBytes,
                       int64_t bytes) {
  auto init = dyn_cast_or_null<ElementsAttr>(global.getInitialValueAttr());
  if (!global.getConstant() || !init)
    return false;
  if (isa<DenseResourceElementsAttr>(init))
    return true;
  // i1 goes into the blob one byte per element, as LLVM stores it (the
  // weights writer unpacks MLIR's dense i1 storage).
  return isa<DenseElementsAttr>(init) && bytes >= minBytes;
}

struct ExternalizeWeightsPass
    : public kiln::impl::KilnExternalizeWeightsBase<ExternalizeWeightsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<func::FuncOp> entry = kiln::findEntryFunction(module);
    if (failed(entry))
      return signalPassFailure();
    if (module->hasAttr(kiln::kWeightsLayoutAttr)) {
      module.emitError("weights already externalized");
      return signalPassFailure();
    }

    // Uses of every global, to keep only those read from the entry body.
    SymbolTableCollection symbolTables;
    SymbolUserMap userMap(symbolTables, module);

    struct Placement {
      memref::GlobalOp global;
      int64_t offset;
    };
    SmallVector<Placement> placements;
    SmallVector<kiln::WeightsLayoutEntry> layout;
    MLIRContext *ctx = &getContext();
    Builder b(ctx);
    int64_t totalBytes = 0;

    for (auto global : module.getOps<memref::GlobalOp>()) {
      MemRefType type = global.getType();
      FailureOr<int64_t> elemBytes = getStorageBytes(type.getElementType());
      if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
          failed(elemBytes))
        continue;
      int64_t bytes = type.getNumElements() * *elemBytes;
      if (!shouldExternalize(global, minBytes, bytes))
        continue;
      bool onlyEntryReads = llvm::all_of(
          userMap.getUsers(global), [&](Operation *user) {
            return isa<memref::GetGlobalOp>(user) &&
                   user->getParentOfType<func::FuncOp>() == *entry;
          });
      if (!onlyEntryReads)
        continue;

      auto value = cast<ElementsAttr>(*global.getInitialValue());
      if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
        AsmResourceBlob *blob = resource.getRawHandle().getBlob();
        if (blob && static_cast<int64_t>(blob->getData().size()) != bytes) {
          global.emitError("resource '")
              << resource.getRawHandle().getKey() << "' holds "
              << blob->getData().size() << " bytes, expected " << bytes
              << " for " << type;
          return signalPassFailure();
        }
      }

      int64_t offset = llvm::alignTo(totalBytes, kiln::kBufferAlignment);
      totalBytes = offset + bytes;
      placements.push_back({global, offset});
      layout.push_back({global.getSymNameAttr(), offset, bytes, value});
    }
    totalBytes = llvm::alignTo(totalBytes, kiln::kBufferAlignment);

    // The blob argument goes after inputs and outputs (before the arena).
    func::FuncOp func = *entry;
    auto blobType = MemRefType::get({totalBytes}, b.getI8Type());
    unsigned argIndex = func.getNumArguments();
    for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
      if (kiln::getEntryArgKind(func, i) == kiln::EntryArgKind::Arena) {
        argIndex = i;
        break;
      }
    if (failed(func.insertArgument(
            argIndex, blobType,
            b.getDictionaryAttr(
                b.getNamedAttr(kiln::kWeightsArgAttr, b.getUnitAttr())),
            func.getLoc()))) {
      func.emitError("cannot add the weights argument");
      return signalPassFailure();
    }
    Value blob = func.getArgument(argIndex);

    for (Placement &placement : placements) {
      for (Operation *user : userMap.getUsers(placement.global)) {
        auto getGlobal = cast<memref::GetGlobalOp>(user);
        OpBuilder builder(getGlobal);
        Value offset = arith::ConstantIndexOp::create(
            builder, getGlobal.getLoc(), placement.offset);
        Value view =
            memref::ViewOp::create(builder, getGlobal.getLoc(),
                                   getGlobal.getType(), blob, offset,
                                   /*sizes=*/ValueRange());
        getGlobal.replaceAllUsesWith(view);
        getGlobal.erase();
      }
      placement.global.erase();
    }

    kiln::writeWeightsLayout(module, layout, totalBytes);
  }
};

} // namespace
