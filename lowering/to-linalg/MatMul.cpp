//===- MatMul.cpp - onnx MatMul and Gemm -> linalg contractions -----------===//
//
// MatMul becomes linalg.matmul (2-D, or N-D times 2-D with the batch dims
// folded into M), linalg.batch_matmul (equal batch dims, folded into one),
// or a contraction linalg.generic with broadcasting batch maps (1-D operands,
// broadcast batches). Gemm becomes linalg.matmul (transposed variants) into
// an init holding beta*C, with alpha applied when it is not 1.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

using namespace mlir;

namespace kiln {
namespace {

Value zeroFilled(OpBuilder &b, Location loc, RankedTensorType type,
                 ArrayRef<OpFoldResult> sizes) {
  return createFilled(b, loc, type, sizes,
                      createScalarConstant(b, loc, type.getElementType(), 0));
}

/// Whether two dims are known equal: equal static sizes or equal symbols.
bool dimsEqual(Type lhsOrig, int64_t lhsDim, Type rhsOrig, int64_t rhsDim) {
  auto lhs = cast<RankedTensorType>(lhsOrig);
  auto rhs = cast<RankedTensorType>(rhsOrig);
  if (!lhs.isDynamicDim(lhsDim) && !rhs.isDynamicDim(rhsDim))
    return lhs.getDimSize(lhsDim) == rhs.getDimSize(rhsDim);
  StringRef symbol = getDimSymbol(lhsOrig, lhsDim);
  return !symbol.empty() && symbol == getDimSymbol(rhsOrig, rhsDim);
}

/// The general MatMul: one generic with broadcasting batch dims and 1-D
/// operands, loops (batch..., [m], [n], k).
Value buildMatMulGeneric(OpBuilder &b, Location loc, Value lhs, Value rhs,
                         RankedTensorType resultType,
                         ArrayRef<OpFoldResult> resultSizes) {
  MLIRContext *ctx = b.getContext();
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  int64_t rank = resultType.getRank();
  int64_t numLoops = rank + 1;
  AffineExpr k = getAffineDimExpr(rank, ctx);
  bool lhsVector = lhsType.getRank() == 1, rhsVector = rhsType.getRank() == 1;
  int64_t batchRank = rank - (lhsVector ? 0 : 1) - (rhsVector ? 0 : 1);
  auto batchExprs = [&](RankedTensorType type) {
    SmallVector<AffineExpr> exprs;
    int64_t own = type.getRank() - 2;
    for (int64_t i = 0; i < own; ++i) {
      int64_t loop = i + batchRank - own;
      bool broadcast = type.getDimSize(i) == 1 &&
                       resultType.getDimSize(loop) != 1;
      exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx)
                                : getAffineDimExpr(loop, ctx));
    }
    return exprs;
  };
  SmallVector<AffineExpr> lhsExprs, rhsExprs, outExprs;
  if (lhsVector) {
    lhsExprs = {k};
  } else {
    lhsExprs = batchExprs(lhsType);
    lhsExprs.append({getAffineDimExpr(batchRank, ctx), k});
  }
  if (rhsVector) {
    rhsExprs = {k};
  } else {
    rhsExprs = batchExprs(rhsType);
    rhsExprs.append({k, getAffineDimExpr(rank - 1, ctx)});
  }
  for (int64_t i = 0; i < rank; ++i)
    outExprs.push_back(getAffineDimExpr(i, ctx));
  SmallVector<AffineMap> maps = {AffineMap::get(numLoops, 0, lhsExprs, ctx),
                                 AffineMap::get(numLoops, 0, rhsExprs, ctx),
                                 AffineMap::get(numLoops, 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
  iterators.push_back(utils::IteratorType::reduction);
  Value init = zeroFilled(b, loc, resultType, resultSizes);
  bool isFloat = isa<FloatType>(resultType.getElementType());
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{lhs, rhs},
             ValueRange{init}, maps, iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Type acc = args[2].getType();
               Value x = isFloat ? convertScalar(nb, nloc, args[0], acc,
                                                 false, false)
                                 : args[0];
               Value y = isFloat ? convertScalar(nb, nloc, args[1], acc,
                                                 false, false)
                                 : args[1];
               Value product =
                   isFloat ? (Value)arith::MulFOp::create(nb, nloc, x, y)
                           : (Value)arith::MulIOp::create(nb, nloc, x, y);
               Value sum =
                   isFloat
                       ? (Value)arith::AddFOp::create(nb, nloc, product, args[2])
                       : (Value)arith::AddIOp::create(nb, nloc, product,
                                                      args[2]);
               linalg::YieldOp::create(nb, nloc, sum);
             })
      .getResult(0);
}

/// Result sizes of a MatMul: batch dims from whichever operand has them
/// non-1, then M and N.
SmallVector<OpFoldResult> matMulResultSizes(OpBuilder &b, Location loc,
                                            Value lhs, Value rhs,
                                            RankedTensorType resultType) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  int64_t rank = resultType.getRank();
  SmallVector<OpFoldResult> sizes(rank);
  if (rhsType.getRank() >= 2)
    sizes[rank - 1] = getDimValue(b, loc, rhs, rhsType.getRank() - 1);
  if (lhsType.getRank() >= 2)
    sizes[rank - (rhsType.getRank() >= 2 ? 2 : 1)] =
        getDimValue(b, loc, lhs, lhsType.getRank() - 2);
  int64_t batchRank = rank - (lhsType.getRank() >= 2) - (rhsType.getRank() >= 2);
  for (int64_t i = 0; i < batchRank; ++i) {
    if (!resultType.isDynamicDim(i)) {
      sizes[i] = b.getIndexAttr(resultType.getDimSize(i));
      continue;
    }
    Value size;
    for (auto [v, t] : {std::pair(lhs, lhsType), std::pair(rhs, rhsType)}) {
      int64_t d = i - (batchRank - (t.getRank() - 2));
      if (t.getRank() < 2 || d < 0 || t.getDimSize(d) == 1)
        continue;
      Value dim = getDimValue(b, loc, v, d);
      size = size ? (Value)arith::MaxUIOp::create(b, loc, size, dim) : dim;
    }
    sizes[i] = size ? OpFoldResult(size) : b.getIndexAttr(1);
  }
  return sizes;
}

struct MatMulLowering : OpConversionPattern<onnx::MatMulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::MatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value lhs = adaptor.getA(), rhs = adaptor.getB();
    auto lhsType = dyn_cast<RankedTensorType>(lhs.getType());
    auto rhsType = dyn_cast<RankedTensorType>(rhs.getType());
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!lhsType || !rhsType || !resultType)
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    // float16/bfloat16 products accumulate in f32 (the named ops widen
    // their inputs) and are rounded once.
    Type storageType = resultType.getElementType();
    resultType = resultType.clone(getAccumulationType(storageType));
    auto replace = [&](Value result) {
      rewriter.replaceOp(op, castElements(rewriter, loc, result, storageType));
      return success();
    };
    int64_t lhsRank = lhsType.getRank(), rhsRank = rhsType.getRank();
    SmallVector<OpFoldResult> sizes =
        matMulResultSizes(rewriter, loc, lhs, rhs, resultType);

    // 2-D x 2-D, or N-D x 2-D with the batch dims folded into M.
    if (rhsRank == 2 && lhsRank >= 2) {
      Value flatLhs = lhs;
      if (lhsRank > 2) {
        SmallVector<ReassociationIndices> groups(1);
        for (int64_t i = 0; i < lhsRank - 1; ++i)
          groups[0].push_back(i);
        groups.push_back({lhsRank - 1});
        flatLhs = tensor::CollapseShapeOp::create(rewriter, loc, lhs, groups);
      }
      auto flatType = RankedTensorType::get(
          {cast<RankedTensorType>(flatLhs.getType()).getDimSize(0),
           rhsType.getDimSize(1)},
          resultType.getElementType());
      SmallVector<OpFoldResult> flatSizes = {
          tensor::getMixedSize(rewriter, loc, flatLhs, 0), sizes.back()};
      Value init = zeroFilled(rewriter, loc, flatType, flatSizes);
      Value result = linalg::MatmulOp::create(rewriter, loc, TypeRange{flatType},
                                              ValueRange{flatLhs, rhs},
                                              ValueRange{init})
                         .getResult(0);
      if (lhsRank > 2) {
        SmallVector<ReassociationIndices> groups(1);
        for (int64_t i = 0; i < lhsRank - 1; ++i)
          groups[0].push_back(i);
        groups.push_back({lhsRank - 1});
        result = tensor::ExpandShapeOp::create(rewriter, loc, resultType,
                                               result, groups, sizes);
      }
      return replace(result);
    }

    // Equal batch dims on both sides: one batch_matmul.
    if (lhsRank == rhsRank && lhsRank >= 3) {
      bool equalBatch = true;
      for (int64_t i = 0; i < lhsRank - 2; ++i)
        equalBatch = equalBatch && dimsEqual(op.getA().getType(), i,
                                             op.getB().getType(), i);
      if (equalBatch) {
        SmallVector<ReassociationIndices> groups(1);
        for (int64_t i = 0; i < lhsRank - 2; ++i)
          groups[0].push_back(i);
        groups.push_back({lhsRank - 2});
        groups.push_back({lhsRank - 1});
        Value a = lhs, bb = rhs;
        if (lhsRank > 3) {
          a = tensor::CollapseShapeOp::create(rewriter, loc, lhs, groups);
          bb = tensor::CollapseShapeOp::create(rewriter, loc, rhs, groups);
        }
        auto aType = cast<RankedTensorType>(a.getType());
        auto batchType = RankedTensorType::get(
            {aType.getDimSize(0), aType.getDimSize(1), rhsType.getDimSize(rhsRank - 1)},
            resultType.getElementType());
        SmallVector<OpFoldResult> batchSizes = {
            tensor::getMixedSize(rewriter, loc, a, 0),
            tensor::getMixedSize(rewriter, loc, a, 1), sizes.back()};
        Value init = zeroFilled(rewriter, loc, batchType, batchSizes);
        Value result =
            linalg::BatchMatmulOp::create(rewriter, loc, TypeRange{batchType},
                                          ValueRange{a, bb}, ValueRange{init})
                .getResult(0);
        if (lhsRank > 3)
          result = tensor::ExpandShapeOp::create(rewriter, loc, resultType,
                                                 result, groups, sizes);
        return replace(result);
      }
    }

    return replace(
        buildMatMulGeneric(rewriter, loc, lhs, rhs, resultType, sizes));
  }
};

struct GemmLowering : OpConversionPattern<onnx::GemmOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::GemmOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value a = adaptor.getA(), b = adaptor.getB(), c = adaptor.getC();
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!resultType || resultType.getRank() != 2 ||
        !isa<RankedTensorType>(a.getType()) ||
        !isa<RankedTensorType>(b.getType()))
      return rewriter.notifyMatchFailure(op, "expects 2-D ranked operands");
    bool transA = op.getTransA() != 0, transB = op.getTransB() != 0;
    double alpha = op.getAlpha().convertToDouble();
    double beta = op.getBeta().convertToDouble();
    Type elementType = resultType.getElementType();
    bool isFloat = isa<FloatType>(elementType);
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(rewriter, loc, a, transA ? 1 : 0),
        tensor::getMixedSize(rewriter, loc, b, transB ? 0 : 1)};

    // Init: beta * C broadcast to [M, N], or zeros. With alpha != 1 the
    // product goes into zeros and is combined afterwards.
    bool hasC = !isa<NoneType>(c.getType()) && beta != 0.0;
    auto scaledC = [&](OpBuilder &nb, Location nloc, Value cv) -> Value {
      if (beta == 1.0)
        return cv;
      Value betaV = createScalarConstant(nb, nloc, elementType, beta);
      return isFloat ? (Value)arith::MulFOp::create(nb, nloc, cv, betaV)
                     : (Value)arith::MulIOp::create(nb, nloc, cv, betaV);
    };
    Value init;
    if (hasC && alpha == 1.0)
      init = buildBroadcastGeneric(
          rewriter, loc, {c}, {op.getC().getType()}, resultType,
          op.getY().getType(),
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            return scaledC(nb, nloc, args[0]);
          },
          sizes);
    else
      init = zeroFilled(rewriter, loc, resultType, sizes);

    Value product;
    if (transA && transB) {
      MLIRContext *ctx = rewriter.getContext();
      AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
                 k = getAffineDimExpr(2, ctx);
      SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {k, m}, ctx),
                                     AffineMap::get(3, 0, {n, k}, ctx),
                                     AffineMap::get(3, 0, {m, n}, ctx)};
      product =
          linalg::GenericOp::create(
              rewriter, loc, TypeRange{resultType}, ValueRange{a, b},
              ValueRange{init}, maps,
              {utils::IteratorType::parallel, utils::IteratorType::parallel,
               utils::IteratorType::reduction},
              [&](OpBuilder &nb, Location nloc, ValueRange args) {
                Value mul = isFloat ? (Value)arith::MulFOp::create(
                                          nb, nloc, args[0], args[1])
                                    : (Value)arith::MulIOp::create(
                                          nb, nloc, args[0], args[1]);
                Value add =
                    isFloat
                        ? (Value)arith::AddFOp::create(nb, nloc, mul, args[2])
                        : (Value)arith::AddIOp::create(nb, nloc, mul, args[2]);
                linalg::YieldOp::create(nb, nloc, add);
              })
              .getResult(0);
    } else if (transA) {
      product = linalg::MatmulTransposeAOp::create(
                    rewriter, loc, TypeRange{resultType}, ValueRange{a, b},
                    ValueRange{init})
                    .getResult(0);
    } else if (transB) {
      product = linalg::MatmulTransposeBOp::create(
                    rewriter, loc, TypeRange{resultType}, ValueRange{a, b},
                    ValueRange{init})
                    .getResult(0);
    } else {
      product = linalg::MatmulOp::create(rewriter, loc, TypeRange{resultType},
                                         ValueRange{a, b}, ValueRange{init})
                    .getResult(0);
    }

    if (alpha != 1.0) {
      SmallVector<Value> inputs = {product, hasC ? c : Value()};
      SmallVector<Type> origTypes = {op.getY().getType(), op.getC().getType()};
      product = buildBroadcastGeneric(
          rewriter, loc, inputs, origTypes, resultType, op.getY().getType(),
          [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
            Value alphaV = createScalarConstant(nb, nloc, elementType, alpha);
            Value scaled =
                isFloat ? (Value)arith::MulFOp::create(nb, nloc, args[0], alphaV)
                        : (Value)arith::MulIOp::create(nb, nloc, args[0], alphaV);
            if (!args[1])
              return scaled;
            Value cv = scaledC(nb, nloc, args[1]);
            return isFloat ? (Value)arith::AddFOp::create(nb, nloc, scaled, cv)
                           : (Value)arith::AddIOp::create(nb, nloc, scaled, cv);
          },
          sizes);
    }
    rewriter.replaceOp(op, product);
    return success();
  }
};

} // namespace

void populateOnnxMatMulToLinalgPatterns(TypeConverter &converter,
                                        RewritePatternSet &patterns) {
  patterns.add<MatMulLowering, GemmLowering>(converter, patterns.getContext());
}

} // namespace kiln
