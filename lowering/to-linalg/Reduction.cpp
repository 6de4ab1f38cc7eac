//===- Reduction.cpp - onnx Reduce* and ArgMax/ArgMin -> linalg -----------===//
//
// Every Reduce* op is one table row: the accumulator's initial value, a map
// applied to each element (abs, square, exp), the combiner (add, mul, max,
// min) and a final map (divide by the count, sqrt, log). One pattern class
// builds the reduction generic, then re-inserts unit dims for keepdims.
// ArgMax/ArgMin reduce (value, index) pairs in one generic.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"


using namespace mlir;

namespace kiln {
namespace {

enum class Init { Zero, One, Lowest, Highest };
enum class Combine { Add, Mul, Max, Min };
enum class Pre { None, Abs, Square, Exp };
enum class Post { None, Mean, Sqrt, Log };

/// One Reduce* op.
struct ReduceEntry {
  StringLiteral opName;
  Init init;
  Pre pre;
  Combine combine;
  Post post;
};

constexpr ReduceEntry kReduceEntries[] = {
    {"onnx.ReduceSum", Init::Zero, Pre::None, Combine::Add, Post::None},
    {"onnx.ReduceMean", Init::Zero, Pre::None, Combine::Add, Post::Mean},
    {"onnx.ReduceProd", Init::One, Pre::None, Combine::Mul, Post::None},
    {"onnx.ReduceMax", Init::Lowest, Pre::None, Combine::Max, Post::None},
    {"onnx.ReduceMin", Init::Highest, Pre::None, Combine::Min, Post::None},
    {"onnx.ReduceL1", Init::Zero, Pre::Abs, Combine::Add, Post::None},
    {"onnx.ReduceL2", Init::Zero, Pre::Square, Combine::Add, Post::Sqrt},
    {"onnx.ReduceSumSquare", Init::Zero, Pre::Square, Combine::Add, Post::None},
    {"onnx.ReduceLogSum", Init::Zero, Pre::None, Combine::Add, Post::Log},
    {"onnx.ReduceLogSumExp", Init::Zero, Pre::Exp, Combine::Add, Post::Log},
};

Value combineScalars(OpBuilder &b, Location loc, Combine kind, Value x, Value acc,
                     bool isFloat, bool isUnsigned) {
  switch (kind) {
  case Combine::Add:
    return isFloat ? (Value)arith::AddFOp::create(b, loc, x, acc)
                   : (Value)arith::AddIOp::create(b, loc, x, acc);
  case Combine::Mul:
    return isFloat ? (Value)arith::MulFOp::create(b, loc, x, acc)
                   : (Value)arith::MulIOp::create(b, loc, x, acc);
  case Combine::Max:
    return isFloat      ? (Value)arith::MaximumFOp::create(b, loc, x, acc)
           : isUnsigned ? (Value)arith::MaxUIOp::create(b, loc, x, acc)
                        : (Value)arith::MaxSIOp::create(b, loc, x, acc);
  case Combine::Min:
    return isFloat      ? (Value)arith::MinimumFOp::create(b, loc, x, acc)
           : isUnsigned ? (Value)arith::MinUIOp::create(b, loc, x, acc)
                        : (Value)arith::MinSIOp::create(b, loc, x, acc);
  }
  return acc;
}

/// The reduced axes of a reduction with an optional `axes` operand.
FailureOr<SmallVector<int64_t>> getReducedAxes(Operation *op, Value axesValue,
                                               int64_t rank, bool noopIfEmpty) {
  SmallVector<int64_t> axes;
  if (!isa<NoneType>(axesValue.getType())) {
    FailureOr<SmallVector<int64_t>> values = getConstantInts(axesValue);
    if (failed(values))
      return failure();
    for (int64_t a : *values) {
      FailureOr<int64_t> axis = normalizeAxis(a, rank);
      if (failed(axis))
        return failure();
      if (!llvm::is_contained(axes, *axis))
        axes.push_back(*axis);
    }
  }
  if (axes.empty() && !noopIfEmpty)
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  llvm::sort(axes);
  return axes;
}

/// Restores reduced dims as unit dims (keepdims) or casts to the result.
Value finishReduction(OpBuilder &b, Location loc, Value reduced,
                      RankedTensorType resultType, ArrayRef<int64_t> axes,
                      int64_t rank, bool keepDims) {
  if (keepDims) {
    SmallVector<bool> isUnit(rank, false);
    for (int64_t a : axes)
      isUnit[a] = true;
    return expandUnitDims(b, loc, reduced, resultType, isUnit);
  }
  if (reduced.getType() != resultType)
    return tensor::CastOp::create(b, loc, resultType, reduced);
  return reduced;
}

/// Whether reducing `axes` of `type` gives a result compatible with
/// `resultType` (static dims equal).
bool matchesResult(RankedTensorType type, ArrayRef<int64_t> axes,
                   RankedTensorType resultType, bool keepDims) {
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    bool reduced = llvm::is_contained(axes, d);
    if (!reduced)
      shape.push_back(type.getDimSize(d));
    else if (keepDims)
      shape.push_back(1);
  }
  if ((int64_t)shape.size() != resultType.getRank())
    return false;
  for (auto [have, want] : llvm::zip(shape, resultType.getShape()))
    if (!ShapedType::isDynamic(have) && !ShapedType::isDynamic(want) &&
        have != want)
      return false;
  return true;
}

/// At most this many axis sets a run-time `axes` input may select among.
constexpr int64_t kMaxAxisSets = 64;

class ReduceLowering : public ConversionPattern {
public:
  ReduceLowering(const TypeConverter &converter, MLIRContext *ctx,
                 const ReduceEntry &entry)
      : ConversionPattern(converter, entry.opName, 1, ctx), entry(entry) {}

  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                  ConversionPatternRewriter &rewriter) const override {
    Value data = operands[0];
    auto type = dyn_cast<RankedTensorType>(data.getType());
    RankedTensorType resultType = getConvertedResultType(*getTypeConverter(), op);
    if (!type || !resultType || operands.size() != 2)
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    auto keepDims = op->getAttrOfType<IntegerAttr>("keepdims");
    auto noop = op->getAttrOfType<IntegerAttr>("noop_with_empty_axes");
    bool keep = !keepDims || keepDims.getInt() != 0;
    bool noopIfEmpty = noop && noop.getInt() != 0;
    Type elementType = type.getElementType();
    bool isFloat = isa<FloatType>(elementType);
    if (!isFloat && (entry.pre == Pre::Exp || entry.post == Post::Sqrt ||
                     entry.post == Post::Log || entry.post == Post::Mean))
      return rewriter.notifyMatchFailure(op, "float-only reduction on ints");

    Value axesValue = operands[1];
    auto axesType = dyn_cast<RankedTensorType>(axesValue.getType());
    bool emptyAxes = axesType && axesType.getRank() == 1 &&
                     axesType.getDimSize(0) == 0;
    FailureOr<SmallVector<int64_t>> axes = failure();
    if (isa<NoneType>(axesValue.getType()) || emptyAxes) {
      axes = SmallVector<int64_t>();
      if (!noopIfEmpty)
        for (int64_t i = 0; i < type.getRank(); ++i)
          axes->push_back(i);
    } else if (succeeded(getConstantInts(axesValue))) {
      axes = getReducedAxes(op, axesValue, type.getRank(), noopIfEmpty);
      if (failed(axes))
        return rewriter.notifyMatchFailure(op, "invalid axes");
    }
    if (succeeded(axes)) {
      rewriter.replaceOp(op, lower(rewriter, op, data, *axes, resultType, keep));
      return success();
    }
    return lowerRuntimeAxes(op, data, axesValue, resultType, keep, noopIfEmpty,
                            rewriter);
  }

private:
  /// `axes` given as a run-time tensor: every axis set the static shapes
  /// allow is lowered, and an scf.index_switch on the run-time bit mask of
  /// the (normalized) axes picks one; any other mask (out of range, repeated
  /// or a set the shapes rule out) is a run-time error.
  LogicalResult lowerRuntimeAxes(Operation *op, Value data, Value axesValue,
                                 RankedTensorType resultType, bool keep,
                                 bool noopIfEmpty,
                                 ConversionPatternRewriter &rewriter) const {
    Location loc = op->getLoc();
    auto type = cast<RankedTensorType>(data.getType());
    auto axesType = dyn_cast<RankedTensorType>(axesValue.getType());
    int64_t rank = type.getRank();
    if (!axesType || axesType.getRank() != 1 ||
        !isa<IntegerType>(axesType.getElementType()) || rank > 16)
      return rewriter.notifyMatchFailure(op, "expects 1-D integer axes");
    int64_t count = axesType.getDimSize(0);
    // Candidate masks: sets of axes the static shapes allow.
    SmallVector<int64_t> masks;
    for (int64_t mask = 0; mask < (int64_t(1) << rank); ++mask) {
      int64_t bits = llvm::popcount(uint64_t(mask));
      // Repeated axes fail the run-time check, so a static count of axes
      // sets exactly that many bits.
      if (!ShapedType::isDynamic(count) && bits != count)
        continue;
      SmallVector<int64_t> axes;
      for (int64_t d = 0; d < rank; ++d)
        if (mask & (int64_t(1) << d))
          axes.push_back(d);
      if (axes.empty() && !noopIfEmpty)
        for (int64_t d = 0; d < rank; ++d)
          axes.push_back(d);
      if (!matchesResult(type, axes, resultType, keep))
        continue;
      masks.push_back(mask);
    }
    if (masks.empty())
      return rewriter.notifyMatchFailure(op, "no axis set fits the shapes");
    if ((int64_t)masks.size() > kMaxAxisSets)
      return rewriter.notifyMatchFailure(op, "too many possible axis sets");

    Value mask = buildAxesMask(rewriter, loc, axesValue, rank);
    Value result = buildMaskSwitch(
        rewriter, op, mask, masks, resultType,
        [&](OpBuilder &, int64_t m) {
          SmallVector<int64_t> axes;
          for (int64_t d = 0; d < rank; ++d)
            if (m & (int64_t(1) << d))
              axes.push_back(d);
          if (axes.empty() && !noopIfEmpty)
            for (int64_t d = 0; d < rank; ++d)
              axes.push_back(d);
          return lower(rewriter, op, data, axes, resultType, keep);
        },
        "axes out of range, repeated, or not matching the declared output "
        "shape");
    rewriter.replaceOp(op, result);
    return success();
  }

  /// The reduction over the known sorted, unique `axes`, as `resultType`.
  Value lower(ConversionPatternRewriter &rewriter, Operation *op, Value data,
              ArrayRef<int64_t> axesRef, RankedTensorType resultType,
              bool keep) const {
    Location loc = op->getLoc();
    auto type = cast<RankedTensorType>(data.getType());
    SmallVector<int64_t> axesStorage(axesRef);
    auto *axes = &axesStorage;
    Type elementType = type.getElementType();
    bool isFloat = isa<FloatType>(elementType);
    // bool is 0/1: compared unsigned (signed i1 has true = -1 < false).
    bool isUnsigned = isUnsignedElement(op->getOperand(0).getType()) ||
                      elementType.isInteger(1);
    Value init;
    switch (entry.init) {
    case Init::Zero:
      init = createScalarConstant(rewriter, loc, elementType, 0);
      break;
    case Init::One:
      init = createScalarConstant(rewriter, loc, elementType, 1);
      break;
    case Init::Lowest:
      init = createLowestValue(rewriter, loc, elementType, isUnsigned);
      break;
    case Init::Highest:
      init = createHighestValue(rewriter, loc, elementType, isUnsigned);
      break;
    }
    // LogSumExp subtracts the max first so exp() cannot overflow.
    Value maxes;
    if (entry.pre == Pre::Exp && !axes->empty()) {
      Value lowest = createLowestValue(rewriter, loc, elementType, false);
      maxes = buildReduction(rewriter, loc, data, *axes, lowest,
                             [](OpBuilder &b, Location l, ValueRange args) {
                               return arith::MaximumFOp::create(b, l, args[0],
                                                                args[1]);
                             });
      Value kept = restoreReducedDims(rewriter, loc, maxes, type, *axes);
      data = buildInternalBroadcast(
          rewriter, loc, {data, kept}, data, elementType,
          [](OpBuilder &b, Location l, ValueRange args) -> Value {
            return arith::SubFOp::create(b, l, args[0], args[1]);
          });
    }
    Value reduced = buildReduction(
        rewriter, loc, data, *axes, init,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value x = args[0];
          switch (entry.pre) {
          case Pre::None:
            break;
          case Pre::Abs:
            x = isFloat ? (Value)math::AbsFOp::create(b, l, x)
                : isUnsigned ? x
                             : (Value)math::AbsIOp::create(b, l, x);
            break;
          case Pre::Square:
            x = isFloat ? (Value)arith::MulFOp::create(b, l, x, x)
                        : (Value)arith::MulIOp::create(b, l, x, x);
            break;
          case Pre::Exp:
            x = math::ExpOp::create(b, l, x);
            break;
          }
          return combineScalars(b, l, entry.combine, x, args[1], isFloat,
                                isUnsigned);
        });
    if (entry.post != Post::None || maxes) {
      SmallVector<int64_t> reducedDims;
      Value count;
      if (entry.post == Post::Mean) {
        SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, data);
        SmallVector<OpFoldResult> reducedSizes;
        for (int64_t a : *axes)
          reducedSizes.push_back(sizes[a]);
        count = arith::UIToFPOp::create(
            rewriter, loc, elementType,
            arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(),
                                       getProduct(rewriter, loc, reducedSizes)));
      }
      SmallVector<Value> inputs = {reduced};
      if (maxes)
        inputs.push_back(maxes);
      reduced = buildInternalBroadcast(
          rewriter, loc, inputs, reduced, elementType,
          [&](OpBuilder &b, Location l, ValueRange args) -> Value {
            Value x = args[0];
            if (entry.post == Post::Mean)
              return arith::DivFOp::create(b, l, x, count);
            if (entry.post == Post::Sqrt)
              return math::SqrtOp::create(b, l, x);
            x = math::LogOp::create(b, l, x);
            return maxes ? (Value)arith::AddFOp::create(b, l, x, args[1]) : x;
          });
    }
    return finishReduction(rewriter, loc, reduced, resultType, *axes,
                           type.getRank(), keep);
  }

  const ReduceEntry &entry;
};

/// ArgMax/ArgMin: a generic reducing (value, index) pairs.
template <typename OpTy, bool isMax>
struct ArgReduceLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData();
    auto type = dyn_cast<RankedTensorType>(data.getType());
    RankedTensorType resultType =
        getConvertedResultType(*this->getTypeConverter(), op);
    if (!type || !resultType)
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    FailureOr<int64_t> axis = normalizeAxis(op.getAxis(), type.getRank());
    if (failed(axis))
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Value indices = buildArgReduction(rewriter, loc, data, *axis, isMax,
                                      op.getSelectLastIndex() != 0,
                                      isUnsignedElement(op.getData().getType()))
                        .second;
    rewriter.replaceOp(op, finishReduction(rewriter, loc, indices, resultType,
                                           {*axis}, type.getRank(),
                                           op.getKeepdims() != 0));
    return success();
  }
};

} // namespace

void populateOnnxReductionToLinalgPatterns(TypeConverter &converter,
                                           RewritePatternSet &patterns) {
  for (const ReduceEntry &entry : kReduceEntries)
    patterns.add<ReduceLowering>(converter, patterns.getContext(), entry);
  patterns.add<ArgReduceLowering<onnx::ArgMaxOp, true>,
               ArgReduceLowering<onnx::ArgMinOp, false>>(converter,
                                                        patterns.getContext());
}

} // namespace kiln
