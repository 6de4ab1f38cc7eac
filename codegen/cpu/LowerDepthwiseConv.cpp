//===- LowerDepthwiseConv.cpp - Vector loops for depthwise convolutions ---===//
//
// Depthwise convolutions as register-accumulating vector loop nests,
// parallel over (batch, channel), with the per-channel bias that
// initializes the output and the in-place activation that follows them
// folded into the loop (see KilnCpuLowerDepthwiseConv in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"
#include "codegen/cpu/WindowLoops.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_KILNCPULOWERDEPTHWISECONV
#include "codegen/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;
using namespace kiln::cpu;

namespace {

/// The generic right before `conv` (pure ops skipped) that fills its output
/// with a per-channel bias, if any.
linalg::GenericOp findBiasInit(linalg::DepthwiseConv2DNchwChwOp conv) {
  Value out = conv.getDpsInits()[0];
  for (Operation *prev = conv->getPrevNode(); prev;
       prev = prev->getPrevNode()) {
    if (isMemoryEffectFree(prev))
      continue;
    auto init = dyn_cast<linalg::GenericOp>(prev);
    if (!init || init.getNumDpsInputs() != 1 || init.getNumDpsInits() != 1 ||
        init.getDpsInits()[0] != out ||
        init.getNumParallelLoops() != init.getNumLoops())
      return {};
    MLIRContext *ctx = conv.getContext();
    AffineMap channel = AffineMap::get(4, 0, getAffineDimExpr(1, ctx));
    OpOperand *bias = init.getDpsInputOperand(0);
    if (!isVectorizableBuffer(bias->get(), 1) ||
        init.getMatchingIndexingMap(bias) != channel ||
        !init.getMatchingIndexingMap(init.getDpsInitOperand(0)).isIdentity())
      return {};
    Block &body = init.getRegion().front();
    if (!llvm::hasSingleElement(body.getOperations()) ||
        body.getTerminator()->getOperand(0) != body.getArgument(0))
      return {};
    return init;
  }
  return {};
}

/// The generic right after `conv` (pure ops skipped) that rewrites its
/// output in place with a scalar elementwise body (Clip, Relu), if any.
linalg::GenericOp findActivation(linalg::DepthwiseConv2DNchwChwOp conv) {
  Value out = conv.getDpsInits()[0];
  for (Operation *next = conv->getNextNode(); next;
       next = next->getNextNode()) {
    if (isMemoryEffectFree(next))
      continue;
    auto act = dyn_cast<linalg::GenericOp>(next);
    if (!act || act.getNumDpsInputs() != 0 || act.getNumDpsInits() != 1 ||
        act.getDpsInits()[0] != out ||
        act.getNumParallelLoops() != act.getNumLoops() ||
        !act.getMatchingIndexingMap(act.getDpsInitOperand(0)).isIdentity())
      return {};
    Block &body = act.getRegion().front();
    for (Operation &op : body.without_terminator()) {
      bool scalar = llvm::all_of(
          op.getResultTypes(), [](Type t) { return t.isIntOrIndexOrFloat(); });
      if (!scalar || op.getNumRegions() != 0 ||
          !(op.hasTrait<OpTrait::Elementwise>() ||
            (op.hasTrait<OpTrait::ConstantLike>() && isPure(&op))))
        return {};
      for (Value operand : op.getOperands())
        if (!operand.getType().isIntOrIndexOrFloat())
          return {};
    }
    return act;
  }
  return {};
}

/// The activation's body on a vector of `width` lanes or (width 0) on a
/// scalar.
Value applyActivation(OpBuilder &b, Location loc, linalg::GenericOp activation,
                      Value acc, int64_t width) {
  Block &body = activation.getRegion().front();
  IRMapping map;
  map.map(body.getArgument(0), acc);
  auto widen = [&](Value scalar) -> Value {
    if (Value mapped = map.lookupOrNull(scalar))
      return mapped;
    if (width == 0)
      return scalar;
    return vector::BroadcastOp::create(
        b, loc, VectorType::get({width}, scalar.getType()), scalar);
  };
  for (Operation &op : body.without_terminator()) {
    if (op.hasTrait<OpTrait::ConstantLike>()) {
      Operation *scalar = b.clone(op);
      map.map(op.getResult(0), widen(scalar->getResult(0)));
      continue;
    }
    SmallVector<Value> operands = llvm::map_to_vector(op.getOperands(), widen);
    SmallVector<Type> types =
        llvm::map_to_vector(op.getResultTypes(), [&](Type t) -> Type {
          return width == 0 ? t : VectorType::get({width}, t);
        });
    OperationState state(loc, op.getName(), operands, types, op.getAttrs());
    Operation *widened = b.create(state);
    map.map(op.getResults(), widened->getResults());
  }
  return widen(body.getTerminator()->getOperand(0));
}

/// Replaces `conv` (and its bias init, activation and padded input copy)
/// with its window loops: one FMA per tap with the splat filter value.
void lowerConv(linalg::DepthwiseConv2DNchwChwOp conv, int64_t lanes) {
  linalg::GenericOp bias = findBiasInit(conv);
  linalg::GenericOp activation = findActivation(conv);
  Value input = conv.getDpsInputs()[0], filter = conv.getDpsInputs()[1];
  Value output = conv.getDpsInits()[0];
  std::optional<PaddedInput> pad = findPaddedInput(conv, input, output);
  ArrayRef<int64_t> fShape = cast<MemRefType>(filter.getType()).getShape();
  WindowLoopSpec spec =
      makeWindowLoopSpec(input, output, fShape[1], fShape[2], conv.getStrides(),
                         conv.getDilations(), pad, lanes);

  // Per channel: the filter values (scalars and splats) and the bias.
  SmallVector<Value> weights, taps;
  Value biasScalar, biasVector;
  auto prepare = [&](OpBuilder &b, Location loc, Value c) {
    VectorType vec = VectorType::get({lanes}, b.getF32Type());
    for (int64_t i = 0; i < spec.kh; ++i)
      for (int64_t j = 0; j < spec.kw; ++j) {
        Value w = memref::LoadOp::create(
            b, loc, filter,
            ValueRange{c, arith::ConstantIndexOp::create(b, loc, i),
                       arith::ConstantIndexOp::create(b, loc, j)});
        weights.push_back(w);
        taps.push_back(vector::BroadcastOp::create(b, loc, vec, w));
      }
    if (bias) {
      biasScalar = memref::LoadOp::create(b, loc, bias.getDpsInputs()[0],
                                          ValueRange{c});
      biasVector = vector::BroadcastOp::create(b, loc, vec, biasScalar);
    }
  };
  auto init = [&](OpBuilder &, Location, int64_t width) -> Value {
    return width ? biasVector : biasScalar;
  };
  auto combine = [&](OpBuilder &b, Location loc, Value acc, Value x,
                     int64_t tap, int64_t width) -> Value {
    if (width)
      return vector::FMAOp::create(b, loc, x, taps[tap], acc);
    return math::FmaOp::create(b, loc, x, weights[tap], acc);
  };
  auto finish = [&](OpBuilder &b, Location loc, Value acc,
                    int64_t width) -> Value {
    return applyActivation(b, loc, activation, acc, width);
  };
  spec.prepare = prepare;
  if (bias)
    spec.init = init;
  spec.combine = combine;
  if (activation)
    spec.finish = finish;

  OpBuilder b(conv);
  emitWindowLoops(b, conv.getLoc(), spec);
  Operation *end = (activation ? activation.getOperation() : conv.getOperation())
                       ->getNextNode();
  conv.erase();
  if (bias)
    bias.erase();
  if (activation)
    activation.erase();
  if (pad)
    erasePaddedInput(*pad, end);
}

/// Whether the pass handles `conv`.
bool isSupported(linalg::DepthwiseConv2DNchwChwOp conv) {
  if (!conv.hasPureBufferSemantics())
    return false;
  if (!isVectorizableBuffer(conv.getDpsInputs()[0], 4) ||
      !isVectorizableBuffer(conv.getDpsInputs()[1], 3) ||
      !isVectorizableBuffer(conv.getDpsInits()[0], 4))
    return false;
  return isSupportedWindow(conv.getStrides(), conv.getDilations());
}

struct LowerDepthwiseConvPass
    : public kiln::cpu::impl::KilnCpuLowerDepthwiseConvBase<
          LowerDepthwiseConvPass> {
  using Base::Base;

  void runOnOperation() override {
    if (vectorWidth < 1) {
      getOperation()->emitError("vector-width must be positive");
      return signalPassFailure();
    }
    SmallVector<linalg::DepthwiseConv2DNchwChwOp> convs;
    getOperation()->walk([&](linalg::DepthwiseConv2DNchwChwOp op) {
      if (isSupported(op))
        convs.push_back(op);
    });
    for (linalg::DepthwiseConv2DNchwChwOp conv : convs)
      lowerConv(conv, vectorWidth);
  }
};

} // namespace
