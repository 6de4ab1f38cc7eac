//===- WindowLoops.cpp - Vector loops over 2-D NCHW windows ---------------===//
//
// The window loop nest of kiln-cpu-lower-depthwise-conv and
// kiln-cpu-lower-max-pool, and the folding of a padded input copy into it
// (see WindowLoops.h).
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/WindowLoops.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include <algorithm>

using namespace mlir;
using namespace kiln::cpu;

bool kiln::cpu::isVectorizableBuffer(Value value, int64_t rank) {
  auto type = dyn_cast<MemRefType>(value.getType());
  if (!type || type.getRank() != rank || !type.hasStaticShape() ||
      !type.getElementType().isF32())
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(type.getStridesAndOffset(strides, offset)) &&
         strides.back() == 1;
}

namespace {

/// The root of `value` through view-like ops (subview, collapse_shape...).
Value getViewRoot(Value value) {
  while (auto view = value.getDefiningOp<ViewLikeOpInterface>())
    value = view.getViewSource();
  return value;
}

} // namespace

Value kiln::cpu::getFillValue(Operation *op, Value buffer) {
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

std::optional<PaddedInput> kiln::cpu::findPaddedInput(Operation *op,
                                                      Value input,
                                                      Value output) {
  PaddedInput pad;
  pad.padded = input.getDefiningOp<memref::AllocOp>();
  if (!pad.padded || pad.padded->getBlock() != op->getBlock())
    return std::nullopt;
  for (Operation *user : input.getUsers()) {
    if (user == op || isa<memref::DeallocOp>(user))
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
  // Fill, then copy, then the window op, all in one block.
  if (pad.fill->getBlock() != op->getBlock() ||
      pad.copy->getBlock() != op->getBlock() ||
      !pad.fill->isBeforeInBlock(pad.copy) ||
      !pad.copy->isBeforeInBlock(op))
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
  // the window op (it now stays live until then), which the
  // output does not alias.
  auto sourceAlloc = pad.source.getDefiningOp<memref::AllocOp>();
  if (!sourceAlloc || getViewRoot(output) == pad.source)
    return std::nullopt;
  SmallVector<Value> worklist = {pad.source};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (Operation *user : value.getUsers()) {
      if (user == pad.copy)
        continue;
      // Deallocations in the op's block move behind it.
      if (isa<memref::DeallocOp>(user) && user->getBlock() == op->getBlock())
        continue;
      Operation *ancestor = op->getBlock()->findAncestorOpInBlock(*user);
      if (!ancestor || (pad.copy->isBeforeInBlock(ancestor) &&
                        ancestor->isBeforeInBlock(op)))
        return std::nullopt;
      if (auto view = dyn_cast<ViewLikeOpInterface>(user))
        if (view.getViewSource() == value)
          worklist.append(user->result_begin(), user->result_end());
    }
  }
  return pad;
}


void kiln::cpu::erasePaddedInput(const PaddedInput &pad, Operation *end) {
  for (Operation *user : llvm::to_vector(pad.source.getUsers()))
    if (isa<memref::DeallocOp>(user) && user->getBlock() == end->getBlock() &&
        user->isBeforeInBlock(end))
      user->moveBefore(end);
  pad.copy->erase();
  pad.window->erase();
  pad.fill->erase();
  for (Operation *user : llvm::to_vector(pad.padded->getUsers()))
    user->erase(); // deallocations
  pad.padded->erase();
}

namespace {

/// The first output index whose taps start at or after 0 and the end of
/// those whose last tap is before `size`, clamped to [0, out]: outputs
/// [lo, hi) read only inside the input.
std::pair<int64_t, int64_t> interior(int64_t size, int64_t out, int64_t before,
                                     int64_t taps, int64_t stride,
                                     int64_t dilation) {
  int64_t lo = (before + stride - 1) / stride;
  int64_t span = size - 1 + before - (taps - 1) * dilation;
  int64_t hi = span < 0 ? 0 : span / stride + 1;
  lo = std::min(lo, out);
  hi = std::max(lo, std::min(hi, out));
  return {lo, hi};
}

/// Builds the loop nest of one WindowLoopSpec.
class WindowEmitter {
public:
  WindowEmitter(OpBuilder &b, Location loc, const WindowLoopSpec &spec)
      : b(b), loc(loc), s(spec) {}

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

  OpBuilder &b;
  Location loc;
  const WindowLoopSpec &s;

  int64_t inHeight = 0, inWidth = 0, top = 0, left = 0;
  Value n, c, oh;
  Value padScalar, padVector;
  /// Per filter row: the input row of the current output row (clamped) and,
  /// in guarded rows, whether it is inside the input.
  SmallVector<Value> rowIndex, rowValid;
};

std::pair<Value, Value> WindowEmitter::clampIndex(Value v, int64_t size) {
  Value zero = index(0), last = index(size - 1);
  Value inside = arith::AndIOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, v, zero),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, v, last));
  Value clamped = arith::MinSIOp::create(
      b, loc, arith::MaxSIOp::create(b, loc, v, zero), last);
  return {clamped, inside};
}

void WindowEmitter::emitLoop(int64_t lo, int64_t hi, int64_t step,
                             function_ref<void(Value)> body) {
  if (hi <= lo)
    return;
  auto loop = scf::ForOp::create(b, loc, index(lo), index(hi), index(step));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  body(loop.getInductionVar());
}

void WindowEmitter::emit() {
  ArrayRef<int64_t> inShape = cast<MemRefType>(s.input.getType()).getShape();
  ArrayRef<int64_t> outShape =
      cast<MemRefType>(s.output.getType()).getShape();
  inHeight = inShape[2];
  inWidth = inShape[3];
  if (s.pad) {
    top = s.pad->top;
    left = s.pad->left;
  }
  auto [rowLo, rowHi] =
      interior(inHeight, outShape[2], top, s.kh, s.strideH, s.dilationH);

  OpBuilder::InsertionGuard guard(b);
  // Batch and channel: the runtime's parallel loop.
  auto par = scf::ParallelOp::create(
      b, loc, ValueRange{index(0), index(0)},
      ValueRange{index(outShape[0]), index(outShape[1])},
      ValueRange{index(1), index(1)});
  b.setInsertionPointToStart(par.getBody());
  n = par.getInductionVars()[0];
  c = par.getInductionVars()[1];
  if (s.prepare)
    s.prepare(b, loc, c);
  if (s.pad) {
    padScalar = s.pad->value;
    padVector = vector::BroadcastOp::create(
        b, loc, vectorType(b.getF32Type(), s.lanes), padScalar);
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

void WindowEmitter::emitRow(bool guarded) {
  rowIndex.clear();
  rowValid.clear();
  Value rowBase = affine(oh, s.strideH, -top);
  for (int64_t i = 0; i < s.kh; ++i) {
    Value row = affine(rowBase, 1, i * s.dilationH);
    if (!guarded) {
      rowIndex.push_back(row);
      continue;
    }
    auto [clamped, inside] = clampIndex(row, inHeight);
    rowIndex.push_back(clamped);
    rowValid.push_back(inside);
  }

  int64_t width = cast<MemRefType>(s.output.getType()).getShape()[3];
  auto [colLo, colHi] =
      interior(inWidth, width, left, s.kw, s.strideW, s.dilationW);
  int64_t lanes = s.lanes;
  emitLoop(0, colLo, 1, [&](Value ow) { emitScalar(ow); });
  int64_t full = (colHi - colLo) / lanes * lanes;
  emitLoop(colLo, colLo + full, lanes,
           [&](Value ow) { emitChunk(ow, Value()); });
  if ((colHi - colLo) % lanes) {
    Value mask = vector::CreateMaskOp::create(
        b, loc, vectorType(b.getI1Type(), lanes),
        ValueRange{index((colHi - colLo) % lanes)});
    emitChunk(index(colLo + full), mask);
  }
  emitLoop(colHi, width, 1, [&](Value ow) { emitScalar(ow); });
}

void WindowEmitter::emitChunk(Value ow, Value mask) {
  int64_t lanes = s.lanes;
  Type f32 = b.getF32Type();
  VectorType vec = vectorType(f32, lanes);
  Value zero = arith::ConstantOp::create(
      b, loc, vec, DenseElementsAttr::get(vec, b.getF32FloatAttr(0.0f)));
  SmallVector<Value> outIndex = {n, c, oh, ow};
  Value acc;
  if (s.init)
    acc = s.init(b, loc, lanes);
  else if (mask)
    acc = vector::MaskedLoadOp::create(b, loc, vec, s.output, outIndex, mask,
                                       zero);
  else
    acc = vector::LoadOp::create(b, loc, vec, s.output, outIndex);

  // Strided columns: a strideW-times wider window, every strideW-th lane.
  int64_t wide = lanes * s.strideW;
  VectorType wideVec = vectorType(f32, wide);
  SmallVector<int64_t> pick;
  for (int64_t l = 0; l < lanes; ++l)
    pick.push_back(l * s.strideW);
  Value wideZero;
  if (s.strideW > 1)
    wideZero = arith::ConstantOp::create(
        b, loc, wideVec,
        DenseElementsAttr::get(wideVec, b.getF32FloatAttr(0.0f)));

  Value colBase = affine(ow, s.strideW, -left);
  for (int64_t i = 0; i < s.kh; ++i) {
    Value row = rowIndex[i];
    for (int64_t j = 0; j < s.kw; ++j) {
      Value col = affine(colBase, 1, j * s.dilationW);
      SmallVector<Value> inIndex = {n, c, row, col};
      Value x;
      if (s.strideW == 1) {
        x = mask ? vector::MaskedLoadOp::create(b, loc, vec, s.input, inIndex,
                                                mask, zero)
                       .getResult()
                 : vector::LoadOp::create(b, loc, vec, s.input, inIndex)
                       .getResult();
      } else {
        // Lanes past the row's end are masked off (create_mask clamps).
        Value rest = arith::SubIOp::create(b, loc, index(inWidth), col);
        Value wideMask = vector::CreateMaskOp::create(
            b, loc, vectorType(b.getI1Type(), wide), ValueRange{rest});
        Value window = vector::MaskedLoadOp::create(
            b, loc, wideVec, s.input, inIndex, wideMask, wideZero);
        x = vector::ShuffleOp::create(b, loc, window, window, pick);
      }
      if (!rowValid.empty())
        x = arith::SelectOp::create(b, loc, rowValid[i], x, padVector);
      acc = s.combine(b, loc, acc, x, i * s.kw + j, lanes);
    }
  }
  if (s.finish)
    acc = s.finish(b, loc, acc, lanes);
  if (mask)
    vector::MaskedStoreOp::create(b, loc, s.output, outIndex, mask, acc);
  else
    vector::StoreOp::create(b, loc, acc, s.output, outIndex);
}

void WindowEmitter::emitScalar(Value ow) {
  SmallVector<Value> outIndex = {n, c, oh, ow};
  Value acc = s.init ? s.init(b, loc, 0)
                     : memref::LoadOp::create(b, loc, s.output, outIndex)
                           .getResult();
  Value colBase = affine(ow, s.strideW, -left);
  SmallVector<std::pair<Value, Value>> cols;
  for (int64_t j = 0; j < s.kw; ++j)
    cols.push_back(clampIndex(affine(colBase, 1, j * s.dilationW), inWidth));
  // Taps in the vector path's order (filter row-major).
  for (int64_t i = 0; i < s.kh; ++i)
    for (int64_t j = 0; j < s.kw; ++j) {
      auto [col, inside] = cols[j];
      if (!rowValid.empty())
        inside = arith::AndIOp::create(b, loc, inside, rowValid[i]);
      Value x = memref::LoadOp::create(b, loc, s.input,
                                       ValueRange{n, c, rowIndex[i], col});
      x = arith::SelectOp::create(b, loc, inside, x, padScalar);
      acc = s.combine(b, loc, acc, x, i * s.kw + j, 0);
    }
  if (s.finish)
    acc = s.finish(b, loc, acc, 0);
  memref::StoreOp::create(b, loc, acc, s.output, outIndex);
}

} // namespace

bool kiln::cpu::isSupportedWindow(DenseIntElementsAttr strides,
                                  DenseIntElementsAttr dilations) {
  auto s = llvm::to_vector(strides.getValues<int64_t>());
  auto d = llvm::to_vector(dilations.getValues<int64_t>());
  return s.size() == 2 && d.size() == 2 && s[0] >= 1 && s[1] >= 1 &&
         s[1] <= 4 && d[0] >= 1 && d[1] >= 1;
}

WindowLoopSpec kiln::cpu::makeWindowLoopSpec(
    Value input, Value output, int64_t kh, int64_t kw,
    DenseIntElementsAttr strides, DenseIntElementsAttr dilations,
    const std::optional<PaddedInput> &pad, int64_t lanes) {
  auto s = llvm::to_vector(strides.getValues<int64_t>());
  auto d = llvm::to_vector(dilations.getValues<int64_t>());
  WindowLoopSpec spec;
  spec.input = pad ? pad->source : input;
  spec.output = output;
  spec.kh = kh;
  spec.kw = kw;
  spec.strideH = s[0];
  spec.strideW = s[1];
  spec.dilationH = d[0];
  spec.dilationW = d[1];
  spec.pad = pad ? &*pad : nullptr;
  spec.lanes = lanes;
  return spec;
}

void kiln::cpu::emitWindowLoops(OpBuilder &b, Location loc,
                                const WindowLoopSpec &spec) {
  WindowEmitter(b, loc, spec).emit();
}
