//===- Quantize.cpp - onnx QuantizeLinear/DequantizeLinear -> linalg ------===//
//
// Linear (de)quantization as one parallel linalg.generic over x whose body
// reads the scale and zero point with tensor.extract at the point's
// quantization parameters:
//   per-tensor (scalar or one-element scale): [] or [0]
//   per-axis (1-D scale along `axis`):        [i_axis]
//   blocked (`block_size` > 0, x's rank):     [i_0, .., i_axis / block, ..]
//   QuantizeLinear:   y = saturate(round_half_to_even(x / scale) + zp)
//   DequantizeLinear: y = (x - zp) * scale
// DynamicQuantizeLinear first reduces x's min and max (accumulators start
// at 0, so the range includes 0) into scalars, computes the uint8 scale and
// zero point as the ONNX reference does, then quantizes like QuantizeLinear.
// Arithmetic is done in f32 (f16/bf16 inputs are extended, the result
// truncated). Quantized types: integers of 2 to 16 bits (4- and 2-bit ones
// clamp to their range) and float8/float4, which QuantizeLinear reaches by a
// float cast of x / scale + zp (round to nearest even, `saturate`) instead of
// rounding to an integer.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/NarrowFloat.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

#include <cmath>

using namespace mlir;

namespace kiln {
namespace {

/// Whether `type` is an integer type of at least 8 bits.
bool isByteInteger(Type type) {
  auto intType = dyn_cast<IntegerType>(type);
  return intType && intType.getWidth() >= 8;
}

/// Whether `type` is a quantized element type: an integer of 2 bits or more
/// or a float8/float4.
bool isQuantType(Type type) {
  if (isNarrowFloat(type))
    return true;
  auto intType = dyn_cast<IntegerType>(type);
  return intType && intType.getWidth() >= 2;
}

/// Whether `type` is a float type arith can compute on (16 bits or wider).
bool isComputableFloat(Type type) {
  auto floatType = dyn_cast<FloatType>(type);
  return floatType && floatType.getWidth() >= 16;
}

/// How the generic body indexes the scale and zero point.
struct ParamIndexing {
  enum Kind { PerTensor, PerTensor1D, PerAxis, Blocked } kind;
  int64_t axis = 0;
  int64_t blockSize = 0;
};

/// Classifies the scale's layout relative to x; failure when it fits none.
FailureOr<ParamIndexing> getIndexing(RankedTensorType xType,
                                     RankedTensorType scaleType, int64_t axis,
                                     int64_t blockSize) {
  ParamIndexing indexing;
  if (scaleType.getRank() == 0) {
    indexing.kind = ParamIndexing::PerTensor;
    return indexing;
  }
  FailureOr<int64_t> normAxis = normalizeAxis(axis, xType.getRank());
  if (blockSize > 0) {
    if (failed(normAxis) || scaleType.getRank() != xType.getRank())
      return failure();
    indexing.kind = ParamIndexing::Blocked;
    indexing.axis = *normAxis;
    indexing.blockSize = blockSize;
    return indexing;
  }
  if (scaleType.getRank() != 1)
    return failure();
  if (scaleType.getDimSize(0) == 1) {
    indexing.kind = ParamIndexing::PerTensor1D;
    return indexing;
  }
  if (failed(normAxis))
    return failure();
  indexing.kind = ParamIndexing::PerAxis;
  indexing.axis = *normAxis;
  return indexing;
}

/// The scale/zero-point coordinates of the current point of the generic.
SmallVector<Value> getParamIndices(OpBuilder &b, Location loc,
                                   const ParamIndexing &indexing,
                                   int64_t rank) {
  switch (indexing.kind) {
  case ParamIndexing::PerTensor:
    return {};
  case ParamIndexing::PerTensor1D:
    return {arith::ConstantIndexOp::create(b, loc, 0)};
  case ParamIndexing::PerAxis:
    return {linalg::IndexOp::create(b, loc, indexing.axis)};
  case ParamIndexing::Blocked: {
    SmallVector<Value> idx;
    for (int64_t d = 0; d < rank; ++d)
      idx.push_back(linalg::IndexOp::create(b, loc, d));
    idx[indexing.axis] = arith::DivUIOp::create(
        b, loc, idx[indexing.axis],
        arith::ConstantIndexOp::create(b, loc, indexing.blockSize));
    return idx;
  }
  }
  return {};
}

/// Builds the generic over `x` producing `resultType`; `body` gets x's
/// element, the scale and the zero point (null when omitted) as scalars.
Value buildQuantGeneric(
    OpBuilder &b, Location loc, Value x, Value scale, Value zeroPoint,
    const ParamIndexing &indexing, RankedTensorType resultType,
    llvm::function_ref<Value(OpBuilder &, Location, Value, Value, Value)>
        body) {
  int64_t rank = resultType.getRank();
  Value empty = createEmpty(b, loc, resultType, getSizes(b, loc, x));
  AffineMap id = b.getMultiDimIdentityMap(rank);
  auto generic = linalg::GenericOp::create(
      b, loc, resultType, ValueRange{x}, ValueRange{empty},
      SmallVector<AffineMap>{id, id}, parallelIterators(rank),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        SmallVector<Value> idx = getParamIndices(nb, l, indexing, rank);
        Value s = tensor::ExtractOp::create(nb, l, scale, idx);
        Value zp;
        if (zeroPoint) {
          // A one-element zero point may be shaped [] or [1] apart from
          // the scale.
          int64_t zpRank =
              cast<RankedTensorType>(zeroPoint.getType()).getRank();
          SmallVector<Value> zpIdx = idx;
          if (zpRank != (int64_t)idx.size())
            zpIdx.assign(zpRank, arith::ConstantIndexOp::create(nb, l, 0));
          zp = tensor::ExtractOp::create(nb, l, zeroPoint, zpIdx);
        }
        linalg::YieldOp::create(nb, l, body(nb, l, args[0], s, zp));
      });
  return generic.getResult(0);
}

/// Checks the operands shared by both ops; returns the indexing.
FailureOr<ParamIndexing>
checkOperands(ConversionPatternRewriter &rewriter, Operation *op, Value x,
              Value scale, Value zeroPoint, int64_t axis, int64_t blockSize) {
  auto xType = dyn_cast<RankedTensorType>(x.getType());
  auto scaleType = dyn_cast<RankedTensorType>(scale.getType());
  if (!xType || !scaleType)
    return rewriter.notifyMatchFailure(op, "expects ranked tensors");
  if (zeroPoint) {
    auto zpType = dyn_cast<RankedTensorType>(zeroPoint.getType());
    bool bothSingle = zpType && zpType.hasStaticShape() &&
                      scaleType.hasStaticShape() &&
                      zpType.getNumElements() == 1 &&
                      scaleType.getNumElements() == 1 && zpType.getRank() <= 1;
    if (!zpType || (zpType.getShape() != scaleType.getShape() && !bothSingle))
      return rewriter.notifyMatchFailure(
          op, "expects a zero point shaped like the scale");
  }
  if (blockSize < 0)
    return rewriter.notifyMatchFailure(op, "negative block_size");
  FailureOr<ParamIndexing> indexing =
      getIndexing(xType, scaleType, axis, blockSize);
  if (failed(indexing))
    return rewriter.notifyMatchFailure(op, "unsupported scale layout");
  return indexing;
}

/// The operand, or null when it is an omitted optional operand.
Value optional(Value v) { return isa<NoneType>(v.getType()) ? Value() : v; }

struct QuantizeLinearLowering : OpConversionPattern<onnx::QuantizeLinearOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::QuantizeLinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!resultType || !isQuantType(resultType.getElementType()))
      return rewriter.notifyMatchFailure(op, "unsupported output type");
    Value x = adaptor.getX();
    Value scale = adaptor.getYScale();
    Value zeroPoint = optional(adaptor.getYZeroPoint());
    Type xElem = getElementTypeOrSelf(x.getType());
    Type scaleElem = getElementTypeOrSelf(scale.getType());
    if (!(isComputableFloat(xElem) || isByteInteger(xElem)) ||
        !(isComputableFloat(scaleElem) || isByteInteger(scaleElem)))
      return rewriter.notifyMatchFailure(op, "unsupported x or scale type");
    if (zeroPoint && !isQuantType(getElementTypeOrSelf(zeroPoint.getType())))
      return rewriter.notifyMatchFailure(op, "unsupported zero point type");
    FailureOr<ParamIndexing> indexing =
        checkOperands(rewriter, op, x, scale, zeroPoint, op.getAxis(),
                      op.getBlockSize());
    if (failed(indexing))
      return failure();

    bool xUnsigned = isUnsignedElement(op.getX().getType());
    bool scaleUnsigned = isUnsignedElement(op.getYScale().getType());
    bool zpUnsigned =
        zeroPoint && isUnsignedElement(op.getYZeroPoint().getType());
    bool yUnsigned = isUnsignedElement(op.getY().getType());
    Type outElem = resultType.getElementType();
    NarrowFloatRounding rounding;
    rounding.saturate = op.getSaturate() != 0;
    Value result = buildQuantGeneric(
        rewriter, loc, x, scale, zeroPoint, *indexing, resultType,
        [&](OpBuilder &b, Location l, Value xv, Value s, Value zp) {
          Type f32 = b.getF32Type();
          Value xf = convertScalar(b, l, xv, f32, xUnsigned, false);
          Value sf = convertScalar(b, l, s, f32, scaleUnsigned, false);
          Value q = arith::DivFOp::create(b, l, xf, sf);
          if (auto narrow = dyn_cast<FloatType>(outElem)) {
            if (zp)
              q = arith::AddFOp::create(b, l, q,
                                        convertScalar(b, l, zp, f32, false,
                                                      false));
            return truncateToNarrowFloat(b, l, q, narrow, rounding);
          }
          q = math::RoundEvenOp::create(b, l, q);
          if (zp)
            q = arith::AddFOp::create(
                b, l, q, convertScalar(b, l, zp, f32, zpUnsigned, false));
          unsigned width = outElem.getIntOrFloatBitWidth();
          double lo = yUnsigned ? 0.0 : -std::ldexp(1.0, width - 1);
          double hi = yUnsigned ? std::ldexp(1.0, width) - 1.0
                                : std::ldexp(1.0, width - 1) - 1.0;
          q = arith::MaximumFOp::create(b, l, q,
                                        createScalarConstant(b, l, f32, lo));
          q = arith::MinimumFOp::create(b, l, q,
                                        createScalarConstant(b, l, f32, hi));
          return convertScalar(b, l, q, outElem, false, yUnsigned);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct DequantizeLinearLowering
    : OpConversionPattern<onnx::DequantizeLinearOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::DequantizeLinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!resultType || !isComputableFloat(resultType.getElementType()))
      return rewriter.notifyMatchFailure(op, "unsupported output type");
    Value x = adaptor.getX();
    Value scale = adaptor.getXScale();
    Value zeroPoint = optional(adaptor.getXZeroPoint());
    if (!isQuantType(getElementTypeOrSelf(x.getType())) ||
        !isComputableFloat(getElementTypeOrSelf(scale.getType())))
      return rewriter.notifyMatchFailure(op, "unsupported x or scale type");
    if (zeroPoint && !isQuantType(getElementTypeOrSelf(zeroPoint.getType())))
      return rewriter.notifyMatchFailure(op, "unsupported zero point type");
    FailureOr<ParamIndexing> indexing =
        checkOperands(rewriter, op, x, scale, zeroPoint, op.getAxis(),
                      op.getBlockSize());
    if (failed(indexing))
      return failure();

    bool xUnsigned = isUnsignedElement(op.getX().getType());
    bool zpUnsigned =
        zeroPoint && isUnsignedElement(op.getXZeroPoint().getType());
    Type outElem = resultType.getElementType();
    Value result = buildQuantGeneric(
        rewriter, loc, x, scale, zeroPoint, *indexing, resultType,
        [&](OpBuilder &b, Location l, Value xv, Value s, Value zp) {
          Type f32 = b.getF32Type();
          Value v = convertScalar(b, l, xv, f32, xUnsigned, false);
          if (zp)
            v = arith::SubFOp::create(
                b, l, v, convertScalar(b, l, zp, f32, zpUnsigned, false));
          v = arith::MulFOp::create(b, l, v,
                                    convertScalar(b, l, s, f32, false, false));
          return convertScalar(b, l, v, outElem, false, false);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct DynamicQuantizeLinearLowering
    : OpConversionPattern<onnx::DynamicQuantizeLinearOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::DynamicQuantizeLinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    RankedTensorType yType = getConvertedResultType(*getTypeConverter(), op, 0);
    RankedTensorType scaleType =
        getConvertedResultType(*getTypeConverter(), op, 1);
    RankedTensorType zpType =
        getConvertedResultType(*getTypeConverter(), op, 2);
    if (!xType || !xType.getElementType().isF32() || !yType || !scaleType ||
        !zpType || scaleType.getRank() != 0 || zpType.getRank() != 0)
      return rewriter.notifyMatchFailure(op, "expects f32 x, scalar outputs");
    Type f32 = rewriter.getF32Type();
    int64_t rank = xType.getRank();

    // min(0, min(x)) and max(0, max(x)) in one reduction.
    auto scalarType = RankedTensorType::get({}, f32);
    Value zeroF = createScalarConstant(rewriter, loc, f32, 0.0);
    Value init = createFilled(rewriter, loc, scalarType, {}, zeroF);
    AffineMap scalarMap = AffineMap::get(rank, 0, {}, rewriter.getContext());
    auto minMax = linalg::GenericOp::create(
        rewriter, loc, TypeRange{scalarType, scalarType}, ValueRange{x},
        ValueRange{init, init},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank),
                               scalarMap, scalarMap},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::reduction),
        [](OpBuilder &b, Location l, ValueRange args) {
          linalg::YieldOp::create(
              b, l,
              ValueRange{arith::MinimumFOp::create(b, l, args[1], args[0]),
                         arith::MaximumFOp::create(b, l, args[2], args[0])});
        });
    Value lo = tensor::ExtractOp::create(rewriter, loc, minMax.getResult(0));
    Value hi = tensor::ExtractOp::create(rewriter, loc, minMax.getResult(1));

    // scale = (max == min ? 1 : max - min) / 255; zp = rint(clamp(-min /
    // scale, 0, 255)).
    auto cst = [&](double v) { return createScalarConstant(rewriter, loc, f32, v); };
    Value same = arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OEQ,
                                       hi, lo);
    Value range = arith::SelectOp::create(
        rewriter, loc, same, cst(1.0), arith::SubFOp::create(rewriter, loc, hi, lo));
    Value scale = arith::DivFOp::create(rewriter, loc, range, cst(255.0));
    Value zp = arith::SubFOp::create(
        rewriter, loc, cst(0.0), arith::DivFOp::create(rewriter, loc, lo, scale));
    zp = arith::MaximumFOp::create(rewriter, loc, zp, cst(0.0));
    zp = arith::MinimumFOp::create(rewriter, loc, zp, cst(255.0));
    zp = math::RoundEvenOp::create(rewriter, loc, zp);

    Type u8 = yType.getElementType();
    Value empty = createEmpty(rewriter, loc, yType, getSizes(rewriter, loc, x));
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    Value y =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{yType}, ValueRange{x}, ValueRange{empty},
            SmallVector<AffineMap>{id, id}, parallelIterators(rank),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value q = math::RoundEvenOp::create(
                  b, l, arith::DivFOp::create(b, l, args[0], scale));
              q = arith::AddFOp::create(b, l, q, zp);
              q = arith::MaximumFOp::create(b, l, q, cst(0.0));
              q = arith::MinimumFOp::create(b, l, q, cst(255.0));
              linalg::YieldOp::create(
                  b, l, convertScalar(b, l, q, u8, false, true));
            })
            .getResult(0);
    Value scaleT = tensor::FromElementsOp::create(rewriter, loc, scaleType,
                                                  ValueRange{scale});
    Value zpT = tensor::FromElementsOp::create(
        rewriter, loc, zpType,
        ValueRange{convertScalar(rewriter, loc, zp, u8, false, true)});
    rewriter.replaceOp(op, {y, scaleT, zpT});
    return success();
  }
};

} // namespace

void populateOnnxQuantizeToLinalgPatterns(TypeConverter &converter,
                                          RewritePatternSet &patterns) {
  patterns.add<QuantizeLinearLowering, DequantizeLinearLowering,
               DynamicQuantizeLinearLowering>(
      converter, patterns.getContext());
}

} // namespace kiln
