//===- TagOpKinds.cpp - The onnx-tag-op-kinds pass ------------------------===//
//
// Puts each onnx op's ONNX op type into its location (the FusedLoc form of
// frontend's getNodeDiagLoc), so that what the op lowers to can be traced
// back to node names and op kinds (kiln compile --profile).
//
//===----------------------------------------------------------------------===//

#include "lowering/Passes.h"

#include "dialect/OnnxDialect.h"

#include "mlir/IR/BuiltinOps.h"

namespace kiln {
#define GEN_PASS_DEF_ONNXTAGOPKINDS
#include "lowering/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

/// True when `loc` already carries an op-type tag.
bool isTagged(Location loc) {
  auto fused = dyn_cast<FusedLoc>(loc);
  auto tag = fused ? dyn_cast_or_null<StringAttr>(fused.getMetadata())
                   : StringAttr();
  return tag && !tag.getValue().starts_with("kind:");
}

struct OnnxTagOpKindsPass : impl::OnnxTagOpKindsBase<OnnxTagOpKindsPass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    getOperation().walk([&](Operation *op) {
      if (!isa<onnx::ONNXDialect>(op->getDialect()) || isTagged(op->getLoc()))
        return;
      // "onnx.Conv" -> "Conv"; constants are not work anyone profiles.
      StringRef kind = op->getName().stripDialect();
      if (kind == "Constant" || kind == "NoValue")
        return;
      op->setLoc(FusedLoc::get(ctx, {op->getLoc()}, StringAttr::get(ctx, kind)));
    });
  }
};

} // namespace
} // namespace kiln
