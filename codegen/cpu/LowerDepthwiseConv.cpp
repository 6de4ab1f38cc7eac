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
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

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

/// The root of `value` through view-like ops (subview, collapse_shape...).
Value getViewRoot(Value value) {
  while (auto view = value.getDefiningOp<ViewLikeOpInterface>())
    value = view.getViewSource();
  return value;
}

/// A convolution input that is a padded copy of another buffer: `padded`
/// is an allocation filled with the constant `value`, then `source` copied
/// into its window at (top, left) of the two spatial dimensions.
struct PaddedInput {
  memref::AllocOp padded;
  Operation *fill = nullptr;
  memref::SubViewOp window;
  Operation *copy = nullptr;
  Value source;
  Value value;
  int64_t top = 0, left = 0;
};

/// The constant that `op` (linalg.fill, or a linalg.map/generic yielding a
/// value defined outside it) writes to all of `buffer`, if it is one.
Value getFillValue(Operation *op, Value buffer) {
  if (auto fill = dyn_cast<linalg::FillOp>(op)) {
    if (fill.getDpsInits()[0] == buffer &&
        fill.getDpsInputs()[0].getDefiningOp<arith::ConstantOp>())
      return fill.getDpsInputs()[0];
    return {};
  }
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || !isa<linalg::MapOp, linalg::GenericOp>(op) ||
      linalgOp.getNumDpsInputs() != 0 || linalgOp.getNumDpsInits() != 1 ||
      linalgOp.getDpsInits()[0] != buffer ||
      linalgOp.getNumParallelLoops() != linalgOp.getNumLoops() ||
      !linalgOp.getMatchingIndexingMap(linalgOp.getDpsInitOperand(0))
           .isIdentity())
    return {};
  Block &body = op->getRegion(0).front();
  if (!llvm::hasSingleElement(body.getOperations()))
    return {};
  Value yielded = body.getTerminator()->getOperand(0);
  if (!yielded.getDefiningOp<arith::ConstantOp>())
    return {};
  return yielded;
}

/// The padded copy `conv` reads, when it can read the copied buffer
/// instead: the padded buffer is a fresh allocation used only by the fill,
/// the copy into its window and `conv` (deallocs aside); the source is
/// another allocation, not used between the copy and `conv`, that `conv`'s
/// output is no view of. Only distinct allocations are known not to share
/// memory (after memory planning they are views of one arena: nothing
/// folds then).
std::optional<PaddedInput>
findPaddedInput(linalg::DepthwiseConv2DNchwChwOp conv) {
  PaddedInput pad;
  Value input = conv.getDpsInputs()[0];
  pad.padded = input.getDefiningOp<memref::AllocOp>();
  if (!pad.padded || pad.padded->getBlock() != conv->getBlock())
    return std::nullopt;
  for (Operation *user : input.getUsers()) {
    if (user == conv || isa<memref::DeallocOp>(user))
      continue;
    if (auto window = dyn_cast<memref::SubViewOp>(user)) {
      if (pad.window || !window->hasOneUse())
        return std::nullopt;
      pad.window = window;
      pad.copy = *window->getUsers().begin();
      continue;
    }
    if (pad.fill)
      return std::nullopt;
    pad.fill = user;
  }
  if (!pad.window || !pad.fill)
    return std::nullopt;
  pad.value = getFillValue(pad.fill, input);
  if (!pad.value || !pad.value.getType().isF32())
    return std::nullopt;
  if (auto copy = dyn_cast<memref::CopyOp>(pad.copy)) {
    if (copy.getTarget() != pad.window.getResult())
      return std::nullopt;
    pad.source = copy.getSource();
  } else if (auto copy = dyn_cast<linalg::CopyOp>(pad.copy)) {
    if (!copy.hasPureBufferSemantics() ||
        copy.getDpsInits()[0] != pad.window.getResult())
      return std::nullopt;
    pad.source = copy.getDpsInputs()[0];
  } else {
    return std::nullopt;
  }
  // Fill, then copy, then the convolution, all in one block.
  if (pad.fill->getBlock() != conv->getBlock() ||
      pad.copy->getBlock() != conv->getBlock() ||
      !pad.fill->isBeforeInBlock(pad.copy) ||
      !pad.copy->isBeforeInBlock(conv))
    return std::nullopt;

  // The window: the whole source at a static spatial offset.
  auto sourceType = dyn_cast<MemRefType>(pad.source.getType());
  if (!sourceType || !sourceType.getLayout().isIdentity() ||
      !isVectorizableBuffer(pad.source, 4))
    return std::nullopt;
  ArrayRef<int64_t> offsets = pad.window.getStaticOffsets();
  ArrayRef<int64_t> sizes = pad.window.getStaticSizes();
  ArrayRef<int64_t> steps = pad.window.getStaticStrides();
  if (offsets.size() != 4 || ShapedType::isDynamicShape(offsets) ||
      sizes != sourceType.getShape() ||
      !llvm::all_of(steps, [](int64_t s) { return s == 1; }) ||
      offsets[0] != 0 || offsets[1] != 0)
    return std::nullopt;
  pad.top = offsets[2];
  pad.left = offsets[3];

  // The source: a distinct allocation nobody touches between the copy and
  // the convolution (it now stays live until the convolution), which the
  // output does not alias.
  auto sourceAlloc = pad.source.getDefiningOp<memref::AllocOp>();
  if (!sourceAlloc || getViewRoot(conv.getDpsInits()[0]) == pad.source)
    return std::nullopt;
  SmallVector<Value> worklist = {pad.source};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (Operation *user : value.getUsers()) {
      if (user == pad.copy)
        continue;
      // Deallocations in the convolution's block move behind it.
      if (isa<memref::DeallocOp>(user) && user->getBlock() == conv->getBlock())
        continue;
      Operation *ancestor = conv->getBlock()->findAncestorOpInBlock(*user);
      if (!ancestor || (pad.copy->isBeforeInBlock(ancestor) &&
                        ancestor->isBeforeInBlock(conv)))
        return std::nullopt;
      if (auto view = dyn_cast<ViewLikeOpInterface>(user))
        if (view.getViewSource() == value)
          worklist.append(user->result_begin(), user->result_end());
    }
  }
  return pad;
}

/// Emits the loop nest replacing one depthwise convolution.
///
/// With a folded padded input, the convolution reads the unpadded source:
/// outputs whose taps all fall inside it (the interior) take the plain
/// vector loop; the border rows clamp each tap's row and select the
/// padding value for rows outside, and the border columns are computed one
/// output at a time with each tap checked. Every output still gets the
/// same fused multiply-adds in the same order, out-of-range taps reading
/// the padding value, so the results equal those on the padded copy.
class DepthwiseEmitter {
public:
  DepthwiseEmitter(linalg::DepthwiseConv2DNchwChwOp conv, int64_t lanes,
                   linalg::GenericOp bias, linalg::GenericOp activation,
                   const std::optional<PaddedInput> &pad)
      : conv(conv), lanes(lanes), bias(bias), activation(activation),
        pad(pad), b(conv), loc(conv.getLoc()) {}

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
  /// `v` clamped to [0, size) and whether it was inside.
  std::pair<Value, Value> clampIndex(Value v, int64_t size);
  /// A loop over [lo, hi) whose body `body` emits (nothing when empty).
  void emitLoop(int64_t lo, int64_t hi, int64_t step,
                function_ref<void(Value)> body);
  /// One output row at `oh`; `guarded`: some of its taps' rows may be
  /// outside the input.
  void emitRow(bool guarded);
  /// One output vector at (n, c, oh, ow); `mask` for a partial one.
  void emitChunk(Value ow, Value mask);
  /// One output at (n, c, oh, ow), every tap checked.
  void emitScalar(Value ow);
  /// The activation's body on a vector (lanes > 0) or a scalar.
  Value applyActivation(Value acc, int64_t width);

  linalg::DepthwiseConv2DNchwChwOp conv;
  int64_t lanes;
  linalg::GenericOp bias, activation;
  const std::optional<PaddedInput> &pad;
  OpBuilder b;
  Location loc;

  Value input, filter, output;
  int64_t inHeight, inWidth, kh, kw, strideH, strideW, dilationH, dilationW;
  int64_t top = 0, left = 0;
  Value n, c, oh;
  SmallVector<Value> weights, taps;
  Value biasScalar, biasVector, padScalar, padVector;
  /// Per filter row: the input row of the current output row (clamped) and,
  /// in guarded rows, whether it is inside the input.
  SmallVector<Value> rowIndex, rowValid;
};

std::pair<Value, Value> DepthwiseEmitter::clampIndex(Value v, int64_t size) {
  Value zero = index(0), last = index(size - 1);
  Value inside = arith::AndIOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, v, zero),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, v, last));
  Value clamped = arith::MinSIOp::create(
      b, loc, arith::MaxSIOp::create(b, loc, v, zero), last);
  return {clamped, inside};
}

void DepthwiseEmitter::emitLoop(int64_t lo, int64_t hi, int64_t step,
                                function_ref<void(Value)> body) {
  if (hi <= lo)
    return;
  auto loop = scf::ForOp::create(b, loc, index(lo), index(hi), index(step));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  body(loop.getInductionVar());
}

/// The first output index whose taps start at or after 0 and the end of
/// those whose last tap is before `size`, clamped to [0, out]: outputs
/// [lo, hi) read only inside the input.
static std::pair<int64_t, int64_t> interior(int64_t size, int64_t out,
                                            int64_t before, int64_t taps,
                                            int64_t stride, int64_t dilation) {
  int64_t lo = (before + stride - 1) / stride;
  int64_t span = size - 1 + before - (taps - 1) * dilation;
  int64_t hi = span < 0 ? 0 : span / stride + 1;
  lo = std::min(lo, out);
  hi = std::max(lo, std::min(hi, out));
  return {lo, hi};
}

void DepthwiseEmitter::emit() {
  input = pad ? pad->source : conv.getDpsInputs()[0];
  filter = conv.getDpsInputs()[1];
  output = conv.getDpsInits()[0];
  ArrayRef<int64_t> inShape = cast<MemRefType>(input.getType()).getShape();
  ArrayRef<int64_t> fShape = cast<MemRefType>(filter.getType()).getShape();
  ArrayRef<int64_t> outShape = cast<MemRefType>(output.getType()).getShape();
  inHeight = inShape[2];
  inWidth = inShape[3];
  kh = fShape[1];
  kw = fShape[2];
  if (pad) {
    top = pad->top;
    left = pad->left;
  }
  auto strides = llvm::to_vector(conv.getStrides().getValues<int64_t>());
  auto dilations = llvm::to_vector(conv.getDilations().getValues<int64_t>());
  strideH = strides[0];
  strideW = strides[1];
  dilationH = dilations[0];
  dilationW = dilations[1];
  Type f32 = b.getF32Type();
  auto [rowLo, rowHi] =
      interior(inHeight, outShape[2], top, kh, strideH, dilationH);

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
      weights.push_back(w);
      taps.push_back(
          vector::BroadcastOp::create(b, loc, vectorType(f32, lanes), w));
    }
  if (bias) {
    biasScalar =
        memref::LoadOp::create(b, loc, bias.getDpsInputs()[0], ValueRange{c});
    biasVector = vector::BroadcastOp::create(b, loc, vectorType(f32, lanes),
                                             biasScalar);
  }
  if (pad) {
    padScalar = pad->value;
    padVector = vector::BroadcastOp::create(b, loc, vectorType(f32, lanes),
                                            padScalar);
  }

  auto rows = [&](int64_t lo, int64_t hi, bool guarded) {
    emitLoop(lo, hi, 1, [&](Value row) {
      oh = row;
      emitRow(guarded);
    });
  };
  rows(0, rowLo, /*guarded=*/true);
  rows(rowLo, rowHi, /*guarded=*/false);
  rows(rowHi, outShape[2], /*guarded=*/true);
}

void DepthwiseEmitter::emitRow(bool guarded) {
  rowIndex.clear();
  rowValid.clear();
  Value rowBase = affine(oh, strideH, -top);
  for (int64_t i = 0; i < kh; ++i) {
    Value row = affine(rowBase, 1, i * dilationH);
    if (!guarded) {
      rowIndex.push_back(row);
      continue;
    }
    auto [clamped, inside] = clampIndex(row, inHeight);
    rowIndex.push_back(clamped);
    rowValid.push_back(inside);
  }

  int64_t width = cast<MemRefType>(output.getType()).getShape()[3];
  auto [colLo, colHi] =
      interior(inWidth, width, left, kw, strideW, dilationW);
  emitLoop(0, colLo, 1, [&](Value ow) { emitScalar(ow); });
  int64_t full = (colHi - colLo) / lanes * lanes;
  emitLoop(colLo, colLo + full, lanes,
           [&](Value ow) { emitChunk(ow, Value()); });
  if ((colHi - colLo) % lanes) {
    Value mask =
        vector::CreateMaskOp::create(b, loc, vectorType(b.getI1Type(), lanes),
                                     ValueRange{index((colHi - colLo) % lanes)});
    emitChunk(index(colLo + full), mask);
  }
  emitLoop(colHi, width, 1, [&](Value ow) { emitScalar(ow); });
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

  Value colBase = affine(ow, strideW, -left);
  for (int64_t i = 0; i < kh; ++i) {
    Value row = rowIndex[i];
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
        Value rest = arith::SubIOp::create(b, loc, index(inWidth), col);
        Value wideMask = vector::CreateMaskOp::create(
            b, loc, vectorType(b.getI1Type(), wide), ValueRange{rest});
        Value window = vector::MaskedLoadOp::create(
            b, loc, wideVec, input, inIndex, wideMask, wideZero);
        x = vector::ShuffleOp::create(b, loc, window, window, pick);
      }
      if (!rowValid.empty())
        x = arith::SelectOp::create(b, loc, rowValid[i], x, padVector);
      acc = vector::FMAOp::create(b, loc, x, taps[i * kw + j], acc);
    }
  }
  if (activation)
    acc = applyActivation(acc, lanes);
  if (mask)
    vector::MaskedStoreOp::create(b, loc, output, outIndex, mask, acc);
  else
    vector::StoreOp::create(b, loc, acc, output, outIndex);
}

void DepthwiseEmitter::emitScalar(Value ow) {
  SmallVector<Value> outIndex = {n, c, oh, ow};
  Value acc = biasScalar ? biasScalar
                         : memref::LoadOp::create(b, loc, output, outIndex)
                               .getResult();
  Value colBase = affine(ow, strideW, -left);
  // Taps in the vector path's order (filter row-major).
  SmallVector<std::pair<Value, Value>> cols;
  for (int64_t j = 0; j < kw; ++j)
    cols.push_back(clampIndex(affine(colBase, 1, j * dilationW), inWidth));
  for (int64_t i = 0; i < kh; ++i)
    for (int64_t j = 0; j < kw; ++j) {
      auto [col, inside] = cols[j];
      if (!rowValid.empty())
        inside = arith::AndIOp::create(b, loc, inside, rowValid[i]);
      Value x = memref::LoadOp::create(b, loc, input,
                                       ValueRange{n, c, rowIndex[i], col});
      x = arith::SelectOp::create(b, loc, inside, x, padScalar);
      acc = math::FmaOp::create(b, loc, x, weights[i * kw + j], acc);
    }
  if (activation)
    acc = applyActivation(acc, 0);
  memref::StoreOp::create(b, loc, acc, output, outIndex);
}

Value DepthwiseEmitter::applyActivation(Value acc, int64_t width) {
  Block &body = activation.getRegion().front();
  IRMapping map;
  map.map(body.getArgument(0), acc);
  auto widen = [&](Value scalar) -> Value {
    if (Value mapped = map.lookupOrNull(scalar))
      return mapped;
    if (width == 0)
      return scalar;
    return vector::BroadcastOp::create(
        b, loc, vectorType(scalar.getType(), width), scalar);
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
          return width == 0 ? t : vectorType(t, width);
        });
    OperationState state(loc, op.getName(), operands, types, op.getAttrs());
    Operation *widened = b.create(state);
    map.map(op.getResults(), widened->getResults());
  }
  return widen(body.getTerminator()->getOperand(0));
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
      std::optional<PaddedInput> pad = findPaddedInput(conv);
      DepthwiseEmitter(conv, vectorWidth, bias, activation, pad).emit();
      Operation *last = activation ? activation.getOperation()
                                   : conv.getOperation();
      if (pad) {
        // The source is read up to the loop nest now: deallocations placed
        // before it move behind it.
        for (Operation *user : llvm::to_vector(pad->source.getUsers()))
          if (isa<memref::DeallocOp>(user) && user->getBlock() == last->getBlock() &&
              user->isBeforeInBlock(last))
            user->moveAfter(last);
      }
      conv.erase();
      if (bias)
        bias.erase();
      if (activation)
        activation.erase();
      if (pad) {
        pad->copy->erase();
        pad->window.erase();
        pad->fill->erase();
        for (Operation *user : llvm::to_vector(pad->padded->getUsers()))
          user->erase(); // deallocations
        pad->padded.erase();
      }
    }
  }
};

} // namespace
