//===- ShapeInference.cpp - The onnx-shape-inference pass -----------------===//
//
// Drives the rule registry of dialect/ShapeInference over every function:
// ops in order, region block arguments before the ops of the region, the op
// owning regions after them (If results come from what the branches
// yield), then the function's result types.
//
//===----------------------------------------------------------------------===//

#include "lowering/Passes.h"

#include "dialect/ShapeInference/ShapeInference.h"

#include "mlir/IR/SymbolTable.h"

namespace kiln {
#define GEN_PASS_DEF_ONNXSHAPEINFERENCE
#include "lowering/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

/// Infers every op of `region`, nested regions first.
LogicalResult inferRegion(Region &region) {
  for (Block &block : region) {
    for (Operation &op : block) {
      if (op.getNumRegions() != 0) {
        if (failed(onnx::inferRegionArgumentTypes(&op)))
          return failure();
        for (Region &nested : op.getRegions())
          if (failed(inferRegion(nested)))
            return failure();
      }
      if (failed(onnx::inferShapes(&op)))
        return failure();
    }
  }
  return success();
}

/// Makes `func`'s result types those of the values it returns.
void updateResultTypes(func::FuncOp func) {
  if (!func.getBody().hasOneBlock())
    return;
  auto ret = dyn_cast<func::ReturnOp>(func.getBody().front().getTerminator());
  if (!ret || ret.getNumOperands() != func.getNumResults())
    return;
  SmallVector<Type> results(ret.getOperandTypes());
  if (TypeRange(results) == func.getResultTypes())
    return;
  func.setFunctionType(FunctionType::get(
      func.getContext(), func.getArgumentTypes(), results));
}

struct OnnxShapeInferencePass
    : impl::OnnxShapeInferenceBase<OnnxShapeInferencePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      if (failed(inferRegion(func.getBody())))
        return signalPassFailure();
      // Callers would disagree with a changed signature; only functions
      // nothing calls (the model's entry point) are updated.
      if (SymbolTable::symbolKnownUseEmpty(func, module))
        updateResultTypes(func);
    }
  }
};

} // namespace
} // namespace kiln
