//===- ConvertOnnxToLinalg.cpp - The convert-onnx-to-linalg pass ----------===//
//
// Runs the onnx -> linalg patterns of every op family as one partial dialect
// conversion, then reports each onnx op that is left (no pattern, or one
// whose preconditions the op does not meet) as an error naming the op.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/Passes.h"
#include "lowering/to-linalg/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_CONVERTONNXTOLINALG
#include "lowering/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

struct ConvertOnnxToLinalgPass
    : impl::ConvertOnnxToLinalgBase<ConvertOnnxToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ModuleOp module = getOperation();
    OnnxToLinalgTypeConverter converter;

    RewritePatternSet patterns(ctx);
    populateOnnxToLinalgPatterns(converter, patterns);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    populateCallOpTypeConversionPattern(patterns, converter);

    // onnx ops are left without a legality verdict: a partial conversion
    // converts those a pattern handles and keeps the rest, which are then
    // reported one by one below (not as a generic "failed to legalize").
    ConversionTarget target(*ctx);
    target.addLegalDialect<arith::ArithDialect, cf::ControlFlowDialect,
                           linalg::LinalgDialect, math::MathDialect,
                           scf::SCFDialect, tensor::TensorDialect>();
    target.addLegalOp<onnx::NoValueOp>();
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return converter.isSignatureLegal(op.getFunctionType());
    });
    target.addDynamicallyLegalOp<func::ReturnOp, func::CallOp>(
        [&](Operation *op) { return converter.isLegal(op); });
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      return signalPassFailure();

    bool unsupported = false;
    module.walk([&](Operation *op) {
      if (!isa<onnx::ONNXDialect>(op->getDialect()) || isa<onnx::NoValueOp>(op))
        return;
      op->emitError() << "kiln does not lower " << op->getName()
                      << " to linalg yet";
      unsupported = true;
    });
    if (unsupported)
      return signalPassFailure();
    module.walk([](onnx::NoValueOp op) {
      if (op->use_empty())
        op->erase();
    });
    // Control-flow bodies were converted inside scf.execute_region ops
    // (ControlFlow.cpp); inline them into the loops that hold them.
    RewritePatternSet inlining(ctx);
    scf::ExecuteRegionOp::getCanonicalizationPatterns(inlining, ctx);
    SmallVector<Operation *> regions;
    module.walk([&](scf::ExecuteRegionOp op) { regions.push_back(op); });
    if (!regions.empty() &&
        failed(applyOpPatternsGreedily(regions, std::move(inlining))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace kiln
