//===- PublishDataDependentResults.cpp - outputs sized at run time --------===//
//
// The kiln-publish-data-dependent-results pass: every entry result tagged
// kiln.data_dependent is passed to kiln_rt_publish_output at the return and
// dropped from the function's results.
//
//===----------------------------------------------------------------------===//

#include "lowering/Passes.h"
#include "lowering/bufferize/EntryAbi.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

namespace kiln {
#define GEN_PASS_DEF_KILNPUBLISHDATADEPENDENTRESULTS
#include "lowering/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// `func.func private @kiln_rt_publish_output(i32, index, index)`.
func::FuncOp getOrCreatePublish(ModuleOp module) {
  if (auto fn = module.lookupSymbol<func::FuncOp>(kiln::kPublishOutputFn))
    return fn;
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  auto type = b.getFunctionType(
      {b.getI32Type(), b.getIndexType(), b.getIndexType()}, {});
  auto fn = func::FuncOp::create(b, module.getLoc(), kiln::kPublishOutputFn,
                                 type);
  fn.setPrivate();
  return fn;
}

/// Emits the publish call of `value` (a memref) as graph output `output`.
LogicalResult publish(OpBuilder &b, Location loc, func::FuncOp publishFn,
                      int64_t output, Value value) {
  auto type = dyn_cast<MemRefType>(value.getType());
  if (!type)
    return failure();
  int64_t rank = type.getRank();
  Type elementType = type.getElementType();
  if (!elementType.isIntOrFloat())
    return failure();
  int64_t elementBytes = (elementType.getIntOrFloatBitWidth() + 7) / 8;
  if (elementType.isInteger(1))
    elementBytes = 1;
  auto meta = memref::ExtractStridedMetadataOp::create(b, loc, value);
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, value);
  Value offsetBytes = arith::MulIOp::create(
      b, loc, meta.getOffset(),
      arith::ConstantIndexOp::create(b, loc, elementBytes));
  Value data = arith::AddIOp::create(b, loc, base, offsetBytes);
  // dims then strides, as i64, in a stack array.
  auto arrayType = MemRefType::get({std::max<int64_t>(2 * rank, 1)},
                                   b.getI64Type());
  Value array = memref::AllocaOp::create(b, loc, arrayType);
  auto store = [&](Value v, int64_t at) {
    Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), v);
    memref::StoreOp::create(b, loc, i64, array,
                            ValueRange{arith::ConstantIndexOp::create(b, loc, at)});
  };
  for (int64_t d = 0; d < rank; ++d) {
    store(meta.getSizes()[d], d);
    store(meta.getStrides()[d], rank + d);
  }
  Value arrayAddr = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, array);
  Value index = arith::ConstantIntOp::create(b, loc, output, 32);
  func::CallOp::create(b, loc, publishFn, ValueRange{index, data, arrayAddr});
  return success();
}

struct PublishDataDependentResultsPass
    : kiln::impl::KilnPublishDataDependentResultsBase<
          PublishDataDependentResultsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<func::FuncOp> found = kiln::findEntryFunction(module);
    if (failed(found))
      return signalPassFailure();
    func::FuncOp entry = *found;
    SmallVector<int64_t> outputs;
    llvm::BitVector erase(entry.getNumResults());
    for (unsigned i = 0; i < entry.getNumResults(); ++i)
      if (entry.getResultAttr(i, kiln::kDataDependentResultAttr)) {
        outputs.push_back(i);
        erase.set(i);
      }
    if (outputs.empty())
      return;
    func::FuncOp publishFn = getOrCreatePublish(module);
    WalkResult walk = entry.walk([&](func::ReturnOp ret) {
      OpBuilder b(ret);
      for (int64_t o : outputs)
        if (failed(publish(b, ret.getLoc(), publishFn, o, ret.getOperand(o)))) {
          ret.emitError("cannot publish data-dependent output #")
              << o << " of type " << ret.getOperand(o).getType();
          return WalkResult::interrupt();
        }
      SmallVector<Value> kept;
      for (auto [i, v] : llvm::enumerate(ret.getOperands()))
        if (!erase.test(i))
          kept.push_back(v);
      ret->setOperands(kept);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    if (failed(entry.eraseResults(erase)))
      return signalPassFailure();
    OpBuilder b(module.getContext());
    entry->setAttr(kiln::kDataDependentOutputsAttr,
                   b.getDenseI64ArrayAttr(outputs));
  }
};

} // namespace
