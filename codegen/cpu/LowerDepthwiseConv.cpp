//===- LowerDepthwiseConv.cpp - Vector loops for depthwise convolutions ---===//
//
// Depthwise convolutions as register-accumulating vector loop nests,
// parallel over (batch, channel), with the per-channel bias that
// initializes the output and the in-place activation that follows them
// folded into the loop (see KilnCpuLowerDepthwiseConv in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
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

namespace {

/// A static f32 memref whose innermost dimension is contiguous.
bool isVectorizableBuffer(Value value, int64_t rank) {
  auto type = dyn_cast<MemRefType>(value.getType());
  if (!type || type.getRank() != rank || !type.hasStaticShape() ||
      !type.getElementType().isF32())
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(type.getStridesAndOffset(strides, offset)) &&
         strides.back() == 1;
}

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

/// Emits the loop nest replacing one depthwise convolution.
class DepthwiseEmitter {
public:
  DepthwiseEmitter(linalg::DepthwiseConv2DNchwChwOp conv, int64_t lanes,
                   linalg::GenericOp bias, linalg::GenericOp activation)
      : conv(conv), lanes(lanes), bias(bias), activation(activation), b(conv),
        loc(conv.getLoc()) {}

  void emit();

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  /// `base * scale + offset` on indices.
  Value affine(Value base, int64_t scale, int64_t offset) {
    Value v =
        scale == 1 ? base : arith::MulIOp::create(b, loc, base, index(scale));
    return offset == 0 ? v : arith::AddIOp::create(b, loc, v, index(offset));
  }
  VectorType vectorType(Type element, int64_t n) {
    return VectorType::get({n}, element);
  }
  /// One output vector at (n, c, oh, ow); `mask` for a partial one.
  void emitChunk(Value ow, Value mask);
  /// The activation's body on a vector.
  Value applyActivation(Value acc);

  linalg::DepthwiseConv2DNchwChwOp conv;
  int64_t lanes;
  linalg::GenericOp bias, activation;
  OpBuilder b;
  Location loc;

  Value input, filter, output;
  int64_t inWidth, kh, kw, strideH, strideW, dilationH, dilationW;
  Value n, c, oh;
  SmallVector<Value> taps;
  Value biasVector;
};

void DepthwiseEmitter::emit() {
  input = conv.getDpsInputs()[0];
  filter = conv.getDpsInputs()[1];
  output = conv.getDpsInits()[0];
  ArrayRef<int64_t> inShape = cast<MemRefType>(input.getType()).getShape();
  ArrayRef<int64_t> fShape = cast<MemRefType>(filter.getType()).getShape();
  ArrayRef<int64_t> outShape = cast<MemRefType>(output.getType()).getShape();
  inWidth = inShape[3];
  kh = fShape[1];
  kw = fShape[2];
  auto strides = llvm::to_vector(conv.getStrides().getValues<int64_t>());
  auto dilations = llvm::to_vector(conv.getDilations().getValues<int64_t>());
  strideH = strides[0];
  strideW = strides[1];
  dilationH = dilations[0];
  dilationW = dilations[1];
  Type f32 = b.getF32Type();

  // Batch and channel: the runtime's parallel loop.
  auto par = scf::ParallelOp::create(
      b, loc, ValueRange{index(0), index(0)},
      ValueRange{index(outShape[0]), index(outShape[1])},
      ValueRange{index(1), index(1)});
  b.setInsertionPointToStart(par.getBody());
  n = par.getInductionVars()[0];
  c = par.getInductionVars()[1];
  for (int64_t i = 0; i < kh; ++i)
    for (int64_t j = 0; j < kw; ++j) {
      Value w = memref::LoadOp::create(b, loc, filter,
                                       ValueRange{c, index(i), index(j)});
      taps.push_back(
          vector::BroadcastOp::create(b, loc, vectorType(f32, lanes), w));
    }
  if (bias) {
    Value value =
        memref::LoadOp::create(b, loc, bias.getDpsInputs()[0], ValueRange{c});
    biasVector =
        vector::BroadcastOp::create(b, loc, vectorType(f32, lanes), value);
  }

  auto rows =
      scf::ForOp::create(b, loc, index(0), index(outShape[2]), index(1));
  b.setInsertionPointToStart(rows.getBody());
  oh = rows.getInductionVar();
  int64_t width = outShape[3];
  int64_t full = width / lanes * lanes;
  if (full > 0) {
    auto cols = scf::ForOp::create(b, loc, index(0), index(full), index(lanes));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(cols.getBody());
    emitChunk(cols.getInductionVar(), Value());
  }
  if (width % lanes) {
    Value mask =
        vector::CreateMaskOp::create(b, loc, vectorType(b.getI1Type(), lanes),
                                     ValueRange{index(width % lanes)});
    emitChunk(index(full), mask);
  }
}

void DepthwiseEmitter::emitChunk(Value ow, Value mask) {
  Type f32 = b.getF32Type();
  VectorType vec = vectorType(f32, lanes);
  Value zero = arith::ConstantOp::create(
      b, loc, vec, DenseElementsAttr::get(vec, b.getF32FloatAttr(0.0f)));
  SmallVector<Value> outIndex = {n, c, oh, ow};
  Value acc;
  if (biasVector)
    acc = biasVector;
  else if (mask)
    acc =
        vector::MaskedLoadOp::create(b, loc, vec, output, outIndex, mask, zero);
  else
    acc = vector::LoadOp::create(b, loc, vec, output, outIndex);

  // Strided columns: a strideW-times wider window, every strideW-th lane.
  int64_t wide = lanes * strideW;
  VectorType wideVec = vectorType(f32, wide);
  SmallVector<int64_t> pick;
  for (int64_t l = 0; l < lanes; ++l)
    pick.push_back(l * strideW);
  Value wideZero;
  if (strideW > 1)
    wideZero = arith::ConstantOp::create(
        b, loc, wideVec,
        DenseElementsAttr::get(wideVec, b.getF32FloatAttr(0.0f)));

  Value rowBase = affine(oh, strideH, 0);
  Value colBase = affine(ow, strideW, 0);
  for (int64_t i = 0; i < kh; ++i) {
    Value row = affine(rowBase, 1, i * dilationH);
    for (int64_t j = 0; j < kw; ++j) {
      Value col = affine(colBase, 1, j * dilationW);
      SmallVector<Value> inIndex = {n, c, row, col};
      Value x;
      if (strideW == 1) {
        x = mask ? vector::MaskedLoadOp::create(b, loc, vec, input, inIndex,
                                                mask, zero)
                       .getResult()
                 : vector::LoadOp::create(b, loc, vec, input, inIndex)
                       .getResult();
      } else {
        // Lanes past the row's end are masked off (create_mask clamps).
        Value left = arith::SubIOp::create(b, loc, index(inWidth), col);
        Value wideMask = vector::CreateMaskOp::create(
            b, loc, vectorType(b.getI1Type(), wide), ValueRange{left});
        Value window = vector::MaskedLoadOp::create(
            b, loc, wideVec, input, inIndex, wideMask, wideZero);
        x = vector::ShuffleOp::create(b, loc, window, window, pick);
      }
      acc = vector::FMAOp::create(b, loc, x, taps[i * kw + j], acc);
    }
  }
  if (activation)
    acc = applyActivation(acc);
  if (mask)
    vector::MaskedStoreOp::create(b, loc, output, outIndex, mask, acc);
  else
    vector::StoreOp::create(b, loc, acc, output, outIndex);
}

Value DepthwiseEmitter::applyActivation(Value acc) {
  Block &body = activation.getRegion().front();
  IRMapping map;
  map.map(body.getArgument(0), acc);
  auto vectorOf = [&](Value scalar) -> Value {
    if (Value mapped = map.lookupOrNull(scalar))
      return mapped;
    return vector::BroadcastOp::create(
        b, loc, vectorType(scalar.getType(), lanes), scalar);
  };
  for (Operation &op : body.without_terminator()) {
    if (op.hasTrait<OpTrait::ConstantLike>()) {
      Operation *scalar = b.clone(op);
      map.map(op.getResult(0), vectorOf(scalar->getResult(0)));
      continue;
    }
    SmallVector<Value> operands =
        llvm::map_to_vector(op.getOperands(), vectorOf);
    SmallVector<Type> types =
        llvm::map_to_vector(op.getResultTypes(), [&](Type t) -> Type {
          return vectorType(t, lanes);
        });
    OperationState state(loc, op.getName(), operands, types, op.getAttrs());
    Operation *vectorized = b.create(state);
    map.map(op.getResults(), vectorized->getResults());
  }
  return vectorOf(body.getTerminator()->getOperand(0));
}

/// Whether the pass handles `conv`.
bool isSupported(linalg::DepthwiseConv2DNchwChwOp conv) {
  if (!conv.hasPureBufferSemantics())
    return false;
  if (!isVectorizableBuffer(conv.getDpsInputs()[0], 4) ||
      !isVectorizableBuffer(conv.getDpsInputs()[1], 3) ||
      !isVectorizableBuffer(conv.getDpsInits()[0], 4))
    return false;
  auto strides = llvm::to_vector(conv.getStrides().getValues<int64_t>());
  auto dilations = llvm::to_vector(conv.getDilations().getValues<int64_t>());
  // Strides beyond 4 would waste most of each wide load.
  return strides.size() == 2 && dilations.size() == 2 && strides[0] >= 1 &&
         strides[1] >= 1 && strides[1] <= 4 && dilations[0] >= 1 &&
         dilations[1] >= 1;
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
    for (linalg::DepthwiseConv2DNchwChwOp conv : convs) {
      linalg::GenericOp bias = findBiasInit(conv);
      linalg::GenericOp activation = findActivation(conv);
      DepthwiseEmitter(conv, vectorWidth, bias, activation).emit();
      conv.erase();
      if (bias)
        bias.erase();
      if (activation)
        activation.erase();
    }
  }
};

} // namespace
