//===- Scatter.cpp - onnx scatter/gather-by-index ops -> linalg.generic ---===//
//
// Scatters as gathers: every output element folds, in update order, the
// updates whose target is that element into the data value (a generic over
// the output, seeded with the data, with reduction loops over the update
// positions; the target compare selects). That costs one pass over the
// updates per output element but has no write conflicts, so duplicates
// follow the reduction (none: the last update wins) exactly:
//   ScatterElements (and Scatter-9/11): updates along `axis`;
//   ScatterND: index tuples over the leading data dims;
//   TensorScatter: a KV-cache write of `update` at write_indices[b]
//   (linear or circular) along the sequence axis.
// GatherND is a generic over the output reading data at the index tuple.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

using namespace mlir;

namespace kiln {
namespace {

/// One reduction attribute value: how an update folds into the element.
struct ScatterReduction {
  llvm::StringLiteral name;
  /// Null for none (the update replaces the element).
  Value (*combine)(OpBuilder &, Location, Value acc, Value update,
                   bool isUnsigned);
};

const ScatterReduction kScatterReductions[] = {
    {"none", nullptr},
    {"add",
     [](OpBuilder &b, Location l, Value x, Value y, bool) -> Value {
       if (isa<FloatType>(x.getType()))
         return arith::AddFOp::create(b, l, x, y);
       return arith::AddIOp::create(b, l, x, y);
     }},
    {"mul",
     [](OpBuilder &b, Location l, Value x, Value y, bool) -> Value {
       if (isa<FloatType>(x.getType()))
         return arith::MulFOp::create(b, l, x, y);
       return arith::MulIOp::create(b, l, x, y);
     }},
    {"max",
     [](OpBuilder &b, Location l, Value x, Value y, bool u) -> Value {
       if (isa<FloatType>(x.getType()))
         return arith::MaximumFOp::create(b, l, x, y);
       if (u)
         return arith::MaxUIOp::create(b, l, x, y);
       return arith::MaxSIOp::create(b, l, x, y);
     }},
    {"min",
     [](OpBuilder &b, Location l, Value x, Value y, bool u) -> Value {
       if (isa<FloatType>(x.getType()))
         return arith::MinimumFOp::create(b, l, x, y);
       if (u)
         return arith::MinUIOp::create(b, l, x, y);
       return arith::MinSIOp::create(b, l, x, y);
     }},
};

const ScatterReduction *lookupReduction(StringRef name) {
  for (const ScatterReduction &row : kScatterReductions)
    if (row.name == name)
      return &row;
  return nullptr;
}

/// An index read from an integer tensor, negative values counted from
/// `size`, as an index value.
Value normalizedIndex(OpBuilder &b, Location l, Value raw, Value size) {
  Value i = arith::IndexCastOp::create(b, l, b.getIndexType(), raw);
  Value zero = arith::ConstantIndexOp::create(b, l, 0);
  Value neg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, i, zero);
  return arith::SelectOp::create(b, l, neg,
                                 arith::AddIOp::create(b, l, i, size), i);
}

/// Builds the scatter generic: loops over the output (`data`'s shape), then
/// `numReductions` loops whose extents `reductionSizes` give; `body`
/// returns (matches, update) for the current point, and the element folds
/// the update in where it matches.
Value buildScatterGeneric(
    OpBuilder &b, Location loc, Value data, RankedTensorType resultType,
    ArrayRef<OpFoldResult> reductionSizes, const ScatterReduction &reduction,
    bool isUnsigned,
    function_ref<std::pair<Value, Value>(OpBuilder &, Location, ValueRange)>
        body) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = resultType.getRank();
  int64_t numReductions = reductionSizes.size();
  int64_t numLoops = rank + numReductions;
  // An empty tensor gives the reduction loops their extents.
  SmallVector<int64_t> shape;
  SmallVector<Value> dynamic;
  for (OpFoldResult s : reductionSizes) {
    std::optional<int64_t> c = getConstantIntValue(s);
    shape.push_back(c ? *c : ShapedType::kDynamic);
    if (!c)
      dynamic.push_back(cast<Value>(s));
  }
  Value extent = tensor::EmptyOp::create(b, loc, shape, b.getI1Type(), dynamic);
  SmallVector<AffineExpr> outExprs, extentExprs;
  for (int64_t d = 0; d < rank; ++d)
    outExprs.push_back(getAffineDimExpr(d, ctx));
  for (int64_t d = 0; d < numReductions; ++d)
    extentExprs.push_back(getAffineDimExpr(rank + d, ctx));
  SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
  iterators.append(numReductions, utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{extent},
             ValueRange{data},
             ArrayRef<AffineMap>{AffineMap::get(numLoops, 0, extentExprs, ctx),
                                 AffineMap::get(numLoops, 0, outExprs, ctx)},
             iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               SmallVector<Value> at;
               for (int64_t d = 0; d < numLoops; ++d)
                 at.push_back(linalg::IndexOp::create(nb, l, d));
               auto [matches, update] = body(nb, l, at);
               Value acc = args[1];
               Value folded =
                   reduction.combine
                       ? reduction.combine(nb, l, acc, update, isUnsigned)
                       : update;
               linalg::YieldOp::create(
                   nb, l,
                   arith::SelectOp::create(nb, l, matches, folded, acc)
                       .getResult());
             })
      .getResult(0);
}

Value andAll(OpBuilder &b, Location l, Value acc, Value v) {
  return acc ? (Value)arith::AndIOp::create(b, l, acc, v) : v;
}

struct ScatterElementsLowering : OpConversionPattern<onnx::ScatterElementsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ScatterElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices(),
          updates = adaptor.getUpdates();
    auto type = dyn_cast<RankedTensorType>(data.getType());
    auto indicesType = dyn_cast<RankedTensorType>(indices.getType());
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!type || !indicesType || !resultType ||
        indicesType.getRank() != type.getRank())
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    int64_t rank = type.getRank();
    FailureOr<int64_t> axis = normalizeAxis(op.getAxis(), rank);
    const ScatterReduction *reduction = lookupReduction(op.getReduction());
    if (failed(axis) || !reduction)
      return rewriter.notifyMatchFailure(op, "invalid axis or reduction");
    bool isUnsigned = isUnsignedElement(op.getData().getType());
    SmallVector<Value> updateDims;
    for (int64_t d = 0; d < rank; ++d)
      updateDims.push_back(getDimValue(rewriter, loc, indices, d));
    Value axisSize = getDimValue(rewriter, loc, data, *axis);
    // One reduction loop t along the axis of the updates; the output point
    // p takes update (p with p[axis] = t) where indices there name p[axis]
    // and p lies within the updates' other dims.
    Value result = buildScatterGeneric(
        rewriter, loc, data, resultType, {OpFoldResult(updateDims[*axis])},
        *reduction, isUnsigned, [&](OpBuilder &b, Location l, ValueRange at) {
          Value zero = arith::ConstantIndexOp::create(b, l, 0);
          SmallVector<Value> u;
          Value inside;
          for (int64_t d = 0; d < rank; ++d) {
            if (d == *axis) {
              u.push_back(at[rank]);
              continue;
            }
            inside =
                andAll(b, l, inside,
                       arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult,
                                             at[d], updateDims[d]));
            // Clamped so the read stays in bounds where it does not match.
            Value last = arith::SubIOp::create(
                b, l, updateDims[d], arith::ConstantIndexOp::create(b, l, 1));
            u.push_back(arith::MaxSIOp::create(
                b, l, arith::MinSIOp::create(b, l, at[d], last), zero));
          }
          Value target = normalizedIndex(
              b, l, tensor::ExtractOp::create(b, l, indices, u), axisSize);
          Value matches =
              andAll(b, l, inside,
                     arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                           target, at[*axis]));
          return std::make_pair(
              matches, (Value)tensor::ExtractOp::create(b, l, updates, u));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ScatterNDLowering : OpConversionPattern<onnx::ScatterNDOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ScatterNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices(),
          updates = adaptor.getUpdates();
    auto type = dyn_cast<RankedTensorType>(data.getType());
    auto indicesType = dyn_cast<RankedTensorType>(indices.getType());
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!type || !indicesType || !resultType || indicesType.getRank() < 1 ||
        indicesType.isDynamicDim(indicesType.getRank() - 1))
      return rewriter.notifyMatchFailure(op, "expects a static index depth");
    const ScatterReduction *reduction = lookupReduction(op.getReduction());
    if (!reduction)
      return rewriter.notifyMatchFailure(op, "unknown reduction");
    int64_t rank = type.getRank(), q = indicesType.getRank();
    int64_t k = indicesType.getDimSize(q - 1);
    if (k > rank)
      return rewriter.notifyMatchFailure(op, "index tuples longer than rank");
    bool isUnsigned = isUnsignedElement(op.getData().getType());
    SmallVector<OpFoldResult> batch;
    for (int64_t d = 0; d + 1 < q; ++d)
      batch.push_back(getDimValue(rewriter, loc, indices, d));
    SmallVector<Value> dataDims;
    for (int64_t d = 0; d < k; ++d)
      dataDims.push_back(getDimValue(rewriter, loc, data, d));
    // Reduction loops over the index tuples; the point p takes
    // updates[u, p[k:]] where indices[u] == p[:k].
    Value result = buildScatterGeneric(
        rewriter, loc, data, resultType, batch, *reduction, isUnsigned,
        [&](OpBuilder &b, Location l, ValueRange at) {
          SmallVector<Value> u(at.begin() + rank, at.end());
          Value matches;
          for (int64_t j = 0; j < k; ++j) {
            SmallVector<Value> tupleAt = u;
            tupleAt.push_back(arith::ConstantIndexOp::create(b, l, j));
            Value target = normalizedIndex(
                b, l, tensor::ExtractOp::create(b, l, indices, tupleAt),
                dataDims[j]);
            matches =
                andAll(b, l, matches,
                       arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                             target, at[j]));
          }
          if (!matches)
            matches = arith::ConstantIntOp::create(b, l, 1, 1);
          SmallVector<Value> updateAt = u;
          updateAt.append(at.begin() + k, at.begin() + rank);
          return std::make_pair(matches, (Value)tensor::ExtractOp::create(
                                             b, l, updates, updateAt));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct TensorScatterLowering : OpConversionPattern<onnx::TensorScatterOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::TensorScatterOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value cache = adaptor.getPastCache(), update = adaptor.getUpdate(),
          writeIndices = adaptor.getWriteIndices();
    auto type = dyn_cast<RankedTensorType>(cache.getType());
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!type || !resultType || type.getRank() < 2)
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    int64_t rank = type.getRank();
    FailureOr<int64_t> axis = normalizeAxis(op.getAxis(), rank);
    if (failed(axis) || *axis == 0)
      return rewriter.notifyMatchFailure(op, "invalid axis");
    bool circular = op.getMode() == "circular";
    if (!circular && op.getMode() != "linear")
      return rewriter.notifyMatchFailure(op, "unknown mode");
    bool hasIndices = !isa<NoneType>(writeIndices.getType());
    Value maxSeq = getDimValue(rewriter, loc, cache, *axis);
    Value seq = getDimValue(rewriter, loc, update, *axis);
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, cache);
    Value empty = createEmpty(rewriter, loc, resultType, sizes);
    MLIRContext *ctx = rewriter.getContext();
    // Output point p: s = p[axis] - start (mod max_sequence_length when
    // circular); it reads update at s when 0 <= s < sequence_length, else
    // the cache.
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{resultType}, ValueRange{},
            ValueRange{empty},
            ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, ctx)},
            parallelIterators(rank),
            [&](OpBuilder &b, Location l, ValueRange) {
              SmallVector<Value> at;
              for (int64_t d = 0; d < rank; ++d)
                at.push_back(linalg::IndexOp::create(b, l, d));
              Value zero = arith::ConstantIndexOp::create(b, l, 0);
              Value start =
                  hasIndices ? (Value)arith::IndexCastOp::create(
                                   b, l, b.getIndexType(),
                                   tensor::ExtractOp::create(b, l, writeIndices,
                                                             ValueRange{at[0]}))
                             : zero;
              Value s = arith::SubIOp::create(b, l, at[*axis], start);
              if (circular) {
                s = arith::RemSIOp::create(b, l, s, maxSeq);
                s = arith::RemSIOp::create(
                    b, l, arith::AddIOp::create(b, l, s, maxSeq), maxSeq);
              }
              Value inUpdate = arith::CmpIOp::create(
                  b, l, arith::CmpIPredicate::ult, s, seq);
              Value last = arith::SubIOp::create(
                  b, l, seq, arith::ConstantIndexOp::create(b, l, 1));
              SmallVector<Value> updateAt = at;
              updateAt[*axis] = arith::MaxSIOp::create(
                  b, l, arith::MinSIOp::create(b, l, s, last), zero);
              Value fromUpdate =
                  tensor::ExtractOp::create(b, l, update, updateAt);
              Value fromCache = tensor::ExtractOp::create(b, l, cache, at);
              Value v = arith::SelectOp::create(b, l, inUpdate, fromUpdate,
                                                fromCache);
              linalg::YieldOp::create(b, l, v);
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct GatherNDLowering : OpConversionPattern<onnx::GatherNDOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::GatherNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    auto type = dyn_cast<RankedTensorType>(data.getType());
    auto indicesType = dyn_cast<RankedTensorType>(indices.getType());
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!type || !indicesType || !resultType || indicesType.getRank() < 1 ||
        indicesType.isDynamicDim(indicesType.getRank() - 1))
      return rewriter.notifyMatchFailure(op, "expects a static index depth");
    int64_t rank = type.getRank(), q = indicesType.getRank();
    int64_t k = indicesType.getDimSize(q - 1);
    int64_t batchDims = op.getBatchDims();
    if (batchDims < 0 || batchDims >= q || batchDims + k > rank ||
        resultType.getRank() != q - 1 + rank - batchDims - k)
      return rewriter.notifyMatchFailure(op, "invalid batch_dims or depth");
    // Output: indices' dims but the last, then data's dims past the tuple.
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d + 1 < q; ++d)
      sizes.push_back(getDimValue(rewriter, loc, indices, d));
    for (int64_t d = batchDims + k; d < rank; ++d)
      sizes.push_back(getDimValue(rewriter, loc, data, d));
    SmallVector<Value> dataDims;
    for (int64_t d = 0; d < rank; ++d)
      dataDims.push_back(getDimValue(rewriter, loc, data, d));
    Value empty = createEmpty(rewriter, loc, resultType, sizes);
    int64_t outRank = resultType.getRank();
    MLIRContext *ctx = rewriter.getContext();
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{resultType}, ValueRange{},
            ValueRange{empty},
            ArrayRef<AffineMap>{
                AffineMap::getMultiDimIdentityMap(outRank, ctx)},
            parallelIterators(outRank),
            [&](OpBuilder &b, Location l, ValueRange) {
              SmallVector<Value> at;
              for (int64_t d = 0; d < outRank; ++d)
                at.push_back(linalg::IndexOp::create(b, l, d));
              SmallVector<Value> dataAt(at.begin(), at.begin() + batchDims);
              SmallVector<Value> tupleAt(at.begin(), at.begin() + q - 1);
              tupleAt.push_back(Value());
              for (int64_t j = 0; j < k; ++j) {
                tupleAt.back() = arith::ConstantIndexOp::create(b, l, j);
                dataAt.push_back(normalizedIndex(
                    b, l, tensor::ExtractOp::create(b, l, indices, tupleAt),
                    dataDims[batchDims + j]));
              }
              dataAt.append(at.begin() + q - 1, at.end());
              linalg::YieldOp::create(
                  b, l,
                  tensor::ExtractOp::create(b, l, data, dataAt).getResult());
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateOnnxScatterToLinalgPatterns(TypeConverter &converter,
                                         RewritePatternSet &patterns) {
  patterns.add<ScatterElementsLowering, ScatterNDLowering,
               TensorScatterLowering, GatherNDLowering>(converter,
                                                        patterns.getContext());
}

} // namespace kiln
