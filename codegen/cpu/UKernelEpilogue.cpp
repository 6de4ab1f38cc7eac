//===- UKernelEpilogue.cpp - Matching what a microkernel call absorbs -----===//
//
// See UKernelEpilogue.h.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/UKernelEpilogue.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <limits>

using namespace mlir;

namespace kiln::cpu {

namespace {

bool allParallelIdentity(linalg::GenericOp op) {
  return llvm::all_of(op.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isIdentity(); }) &&
         op.getNumParallelLoops() == op.getNumLoops();
}

bool isContiguous(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.getLayout().isIdentity();
}

std::optional<float> constantF32(Value v) {
  FloatAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || !attr.getType().isF32())
    return std::nullopt;
  return attr.getValue().convertToFloat();
}

/// `op(x, constant)` in either order: x and the constant.
template <typename OpTy>
std::optional<std::pair<Value, float>> withConstant(Value v) {
  auto op = v.getDefiningOp<OpTy>();
  if (!op)
    return std::nullopt;
  if (auto c = constantF32(op.getRhs()))
    return std::pair(op.getLhs(), *c);
  if (auto c = constantF32(op.getLhs()))
    return std::pair(op.getRhs(), *c);
  return std::nullopt;
}

/// The buffer `v` is a view of and the byte range it covers ([0, max) when
/// it is the whole argument), or nothing when unknown.
struct Extent {
  Value root;
  int64_t begin = 0, end = std::numeric_limits<int64_t>::max();
};

std::optional<Extent> extentOf(Value v) {
  if (isa<BlockArgument>(v))
    return Extent{v};
  Operation *def = v.getDefiningOp();
  // A constant global (a small weight kept out of the weights blob, such
  // as a bias of fewer than 64 floats) is memory of its own, never written.
  if (auto global = dyn_cast_or_null<memref::GetGlobalOp>(def)) {
    auto symbol = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
        global, global.getNameAttr());
    if (symbol && symbol.getConstant())
      return Extent{v};
    return std::nullopt;
  }
  if (isa_and_nonnull<memref::ExpandShapeOp, memref::CollapseShapeOp,
                      memref::CastOp>(def))
    return extentOf(def->getOperand(0));
  auto view = dyn_cast_or_null<memref::ViewOp>(def);
  if (!view || !isa<BlockArgument>(view.getSource()))
    return std::nullopt;
  auto type = cast<MemRefType>(view.getType());
  std::optional<int64_t> shift = getConstantIntValue(view.getByteShift());
  if (!shift || !type.hasStaticShape() || !type.getElementType().isIntOrFloat())
    return std::nullopt;
  int64_t bytes =
      type.getNumElements() * type.getElementType().getIntOrFloatBitWidth() / 8;
  return Extent{view.getSource(), *shift, *shift + bytes};
}

} // namespace

Value matchChannelBiasInit(Operation *op, Value out) {
  return matchBroadcastInit(op, out, 1);
}

Value matchBroadcastInit(Operation *op, Value out, unsigned dim) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInputs() != 1 ||
      generic.getNumDpsInits() != 1 || generic.getDpsInits()[0] != out ||
      generic.getNumParallelLoops() != generic.getNumLoops())
    return {};
  Value bias = generic.getDpsInputs()[0];
  auto biasType = dyn_cast<MemRefType>(bias.getType());
  if (!biasType || !biasType.getElementType().isF32() || !isContiguous(bias))
    return {};
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  MLIRContext *ctx = op->getContext();
  if (maps[1] != AffineMap::getMultiDimIdentityMap(maps[1].getNumDims(), ctx) ||
      maps[0] != AffineMap::get(maps[0].getNumDims(), 0,
                                {getAffineDimExpr(dim, ctx)}, ctx))
    return {};
  Block *body = generic.getBlock();
  auto yield = dyn_cast<linalg::YieldOp>(body->getTerminator());
  if (body->getOperations().size() != 1 || !yield ||
      yield.getOperand(0) != body->getArgument(0))
    return {};
  return bias;
}

FailureOr<ElementwiseEpilogue> matchElementwiseEpilogue(Operation *op,
                                                        Value in) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInits() != 1 ||
      generic.getNumDpsInputs() < 1 || generic.getNumDpsInputs() > 2 ||
      !allParallelIdentity(generic))
    return failure();
  ElementwiseEpilogue epilogue;
  epilogue.output = generic.getDpsInits()[0];
  Block *body = generic.getBlock();
  int64_t inIndex = -1, residualIndex = -1;
  for (auto [i, input] : llvm::enumerate(generic.getDpsInputs())) {
    if (input == in && inIndex < 0)
      inIndex = i;
    else
      residualIndex = i;
  }
  if (inIndex < 0)
    return failure();
  for (Value v : generic->getOperands())
    if (v.getType() != in.getType() || !isContiguous(v))
      return failure();

  // Walk the yielded value back: [minimumf] [maximumf] [addf] in.
  Value v = body->getTerminator()->getOperand(0);
  int64_t used = 1; // the yield
  float inf = std::numeric_limits<float>::infinity();
  float lo = -inf, hi = inf;
  if (auto m = withConstant<arith::MinimumFOp>(v)) {
    std::tie(v, hi) = *m;
    epilogue.clamp = true;
    ++used;
  }
  if (auto m = withConstant<arith::MaximumFOp>(v)) {
    std::tie(v, lo) = *m;
    epilogue.clamp = true;
    ++used;
  }
  if (residualIndex >= 0) {
    auto add = v.getDefiningOp<arith::AddFOp>();
    Value x = body->getArgument(inIndex), r = body->getArgument(residualIndex);
    if (!add || !((add.getLhs() == x && add.getRhs() == r) ||
                  (add.getLhs() == r && add.getRhs() == x)))
      return failure();
    v = x;
    epilogue.residual = generic.getDpsInputs()[residualIndex];
    ++used;
  }
  if (v != body->getArgument(inIndex) || (!epilogue.clamp && !epilogue.residual))
    return failure();
  // Nothing else in the body but the constants it uses.
  int64_t ops = 0;
  for (Operation &inner : body->getOperations())
    if (!inner.hasTrait<OpTrait::ConstantLike>())
      ++ops;
  if (ops != used)
    return failure();
  epilogue.lo = lo;
  epilogue.hi = hi;
  return epilogue;
}

bool provablyDisjoint(Value a, Value b) {
  std::optional<Extent> ea = extentOf(a), eb = extentOf(b);
  if (!ea || !eb)
    return false;
  if (ea->root != eb->root)
    return true;
  return ea->end <= eb->begin || eb->end <= ea->begin;
}

/// Ops that touch no existing buffer: pure ops and fresh allocations.
static bool touchesNoBuffer(Operation *op) {
  return isMemoryEffectFree(op) || isa<memref::AllocOp>(op);
}

Operation *nextWithMemoryEffects(Operation *op) {
  for (Operation *next = op->getNextNode(); next; next = next->getNextNode())
    if (!touchesNoBuffer(next))
      return next;
  return nullptr;
}

Operation *previousWithMemoryEffects(Operation *op) {
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode())
    if (!touchesNoBuffer(prev))
      return prev;
  return nullptr;
}

} // namespace kiln::cpu
