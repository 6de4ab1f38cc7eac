//===- Pad.cpp - onnx Pad -> tensor.pad/linalg ----------------------------===//
//
// Pad in constant mode is tensor.pad (negative pads slice first); edge,
// reflect and wrap modes are a generic over the output that maps each
// output index back into the input and reads it with tensor.extract.
// Pads (and axes) known only at run time take that generic in every mode,
// reading the pads once before it; constant mode then selects the pad value
// where the mapped index falls outside the input. CenterCropPad is a slice
// then a tensor.pad.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

using namespace mlir;

namespace kiln {
namespace {

/// Element `i` of the 1-D integer tensor `t` as an index value.
Value extractIndex(OpBuilder &b, Location loc, Value t, int64_t i) {
  Value v = tensor::ExtractOp::create(
      b, loc, t, ValueRange{arith::ConstantIndexOp::create(b, loc, i)});
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
}

/// Maps output index `i` of a dim of input size `dim` padded by `low` in
/// front back into the input: `mode` says how indices outside [0, dim) fold
/// back (constant mode clamps; the caller selects the pad value there).
Value mapPadIndex(OpBuilder &b, Location l, StringRef mode, Value i, Value low,
                  Value dim) {
  auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, l, v); };
  Value j = arith::SubIOp::create(b, l, i, low);
  Value last = arith::SubIOp::create(b, l, dim, c(1));
  if (mode == "reflect") {
    // |j| reflects the low side, 2*last - j the high side.
    Value neg = arith::SubIOp::create(b, l, c(0), j);
    j = arith::MaxSIOp::create(b, l, j, neg);
    Value mirrored =
        arith::SubIOp::create(b, l, arith::MulIOp::create(b, l, last, c(2)), j);
    return arith::MinSIOp::create(b, l, j, mirrored);
  }
  if (mode == "wrap") {
    Value r = arith::RemSIOp::create(b, l, j, dim);
    r = arith::AddIOp::create(b, l, r, dim);
    return arith::RemSIOp::create(b, l, r, dim);
  }
  j = arith::MaxSIOp::create(b, l, j, c(0));
  return arith::MinSIOp::create(b, l, j, last);
}

/// Pad whose pads (or axes) are run-time tensors: per dim, the front pad is
/// the sum of the pads whose axis names it.
struct RuntimePadLowering : OpConversionPattern<onnx::PadOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData();
    Value pads = adaptor.getPads();
    Value axesValue = adaptor.getAxes();
    bool hasAxes = !isa<NoneType>(axesValue.getType());
    if (succeeded(getConstantInts(pads)) &&
        (!hasAxes || succeeded(getConstantInts(axesValue))))
      return rewriter.notifyMatchFailure(op, "constant pads");
    auto type = dyn_cast<RankedTensorType>(data.getType());
    auto padsType = dyn_cast<RankedTensorType>(pads.getType());
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!type || !resultType || !padsType || !padsType.hasStaticShape() ||
        padsType.getRank() != 1)
      return rewriter.notifyMatchFailure(op, "expects a static 1-D pads");
    StringRef mode = op.getMode();
    if (mode != "constant" && mode != "edge" && mode != "reflect" &&
        mode != "wrap")
      return rewriter.notifyMatchFailure(op, "unknown mode");
    int64_t rank = type.getRank();
    int64_t n = padsType.getDimSize(0) / 2;
    if (padsType.getDimSize(0) != 2 * n || (!hasAxes && n != rank))
      return rewriter.notifyMatchFailure(op, "pads of wrong size");
    auto cIndex = [&](int64_t v) {
      return arith::ConstantIndexOp::create(rewriter, loc, v);
    };

    // The front and back pad of every dim.
    SmallVector<Value> low, high;
    if (!hasAxes) {
      for (int64_t i = 0; i < rank; ++i) {
        low.push_back(extractIndex(rewriter, loc, pads, i));
        high.push_back(extractIndex(rewriter, loc, pads, i + n));
      }
    } else {
      auto axesType = dyn_cast<RankedTensorType>(axesValue.getType());
      if (!axesType || axesType.getRank() != 1 || axesType.getDimSize(0) != n)
        return rewriter.notifyMatchFailure(op, "axes of wrong size");
      low.assign(rank, cIndex(0));
      high.assign(rank, cIndex(0));
      for (int64_t i = 0; i < n; ++i) {
        // A negative axis counts from the back.
        Value axis = extractIndex(rewriter, loc, axesValue, i);
        Value isNeg = arith::CmpIOp::create(
            rewriter, loc, arith::CmpIPredicate::slt, axis, cIndex(0));
        axis = arith::SelectOp::create(
            rewriter, loc, isNeg,
            arith::AddIOp::create(rewriter, loc, axis, cIndex(rank)), axis);
        Value lo = extractIndex(rewriter, loc, pads, i);
        Value hi = extractIndex(rewriter, loc, pads, i + n);
        for (int64_t d = 0; d < rank; ++d) {
          Value is = arith::CmpIOp::create(
              rewriter, loc, arith::CmpIPredicate::eq, axis, cIndex(d));
          low[d] = arith::SelectOp::create(
              rewriter, loc, is,
              arith::AddIOp::create(rewriter, loc, low[d], lo), low[d]);
          high[d] = arith::SelectOp::create(
              rewriter, loc, is,
              arith::AddIOp::create(rewriter, loc, high[d], hi), high[d]);
        }
      }
    }

    SmallVector<Value> dims;
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < rank; ++d) {
      dims.push_back(getDimValue(rewriter, loc, data, d));
      if (resultType.isDynamicDim(d))
        sizes.push_back(
            arith::AddIOp::create(
                rewriter, loc, dims[d],
                arith::AddIOp::create(rewriter, loc, low[d], high[d]))
                .getResult());
      else
        sizes.push_back(rewriter.getIndexAttr(resultType.getDimSize(d)));
    }
    Value padValue;
    Type elementType = type.getElementType();
    if (mode == "constant") {
      Value cv = adaptor.getConstantValue();
      if (auto cvType = dyn_cast<RankedTensorType>(cv.getType()))
        padValue = tensor::ExtractOp::create(
            rewriter, loc, cv, SmallVector<Value>(cvType.getRank(), cIndex(0)));
      else
        padValue = createScalarConstant(rewriter, loc, elementType, 0);
    }
    Value empty = createEmpty(rewriter, loc, resultType, sizes);
    MLIRContext *ctx = rewriter.getContext();
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{resultType}, ValueRange{},
            ValueRange{empty},
            ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, ctx)},
            parallelIterators(rank),
            [&](OpBuilder &b, Location l, ValueRange) {
              SmallVector<Value> at;
              Value inside;
              for (int64_t d = 0; d < rank; ++d) {
                Value i = linalg::IndexOp::create(b, l, d);
                at.push_back(mapPadIndex(b, l, mode, i, low[d], dims[d]));
                if (mode != "constant")
                  continue;
                // 0 <= i - low < dim, as one unsigned compare.
                Value j = arith::SubIOp::create(b, l, i, low[d]);
                Value in = arith::CmpIOp::create(
                    b, l, arith::CmpIPredicate::ult, j, dims[d]);
                inside = inside ? (Value)arith::AndIOp::create(b, l, inside, in)
                                : in;
              }
              Value element = tensor::ExtractOp::create(b, l, data, at);
              if (inside)
                element =
                    arith::SelectOp::create(b, l, inside, element, padValue);
              linalg::YieldOp::create(b, l, element);
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct PadLowering : OpConversionPattern<onnx::PadOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData();
    auto type = dyn_cast<RankedTensorType>(data.getType());
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    FailureOr<SmallVector<int64_t>> pads = getConstantInts(adaptor.getPads());
    if (!type || !resultType || failed(pads))
      return rewriter.notifyMatchFailure(op, "expects constant pads");
    int64_t rank = type.getRank();
    SmallVector<int64_t> axes;
    if (!isa<NoneType>(adaptor.getAxes().getType())) {
      FailureOr<SmallVector<int64_t>> a = getConstantInts(adaptor.getAxes());
      if (failed(a))
        return rewriter.notifyMatchFailure(op, "non-constant axes");
      for (int64_t axis : *a) {
        FailureOr<int64_t> n = normalizeAxis(axis, rank);
        if (failed(n))
          return rewriter.notifyMatchFailure(op, "axis out of range");
        axes.push_back(*n);
      }
    } else {
      for (int64_t i = 0; i < rank; ++i)
        axes.push_back(i);
    }
    size_t n = axes.size();
    if (pads->size() != 2 * n)
      return rewriter.notifyMatchFailure(op, "pads of wrong size");
    SmallVector<int64_t> low(rank, 0), high(rank, 0);
    for (size_t i = 0; i < n; ++i) {
      low[axes[i]] = (*pads)[i];
      high[axes[i]] = (*pads)[i + n];
    }
    StringRef mode = op.getMode();
    Type elementType = type.getElementType();

    // Negative pads crop: slice them off first.
    if (llvm::any_of(low, [](int64_t p) { return p < 0; }) ||
        llvm::any_of(high, [](int64_t p) { return p < 0; })) {
      SmallVector<OpFoldResult> offsets, sizes = getSizes(rewriter, loc, data);
      SmallVector<OpFoldResult> ones(rank, rewriter.getIndexAttr(1));
      for (int64_t i = 0; i < rank; ++i) {
        int64_t cropLow = std::max<int64_t>(0, -low[i]);
        int64_t cropHigh = std::max<int64_t>(0, -high[i]);
        offsets.push_back(rewriter.getIndexAttr(cropLow));
        if (cropLow || cropHigh) {
          Value d = getDimValue(rewriter, loc, data, i);
          sizes[i] =
              arith::SubIOp::create(rewriter, loc, d,
                                    arith::ConstantIndexOp::create(
                                        rewriter, loc, cropLow + cropHigh))
                  .getResult();
        }
        low[i] = std::max<int64_t>(0, low[i]);
        high[i] = std::max<int64_t>(0, high[i]);
      }
      data = tensor::ExtractSliceOp::create(rewriter, loc, data, offsets, sizes,
                                            ones);
      type = cast<RankedTensorType>(data.getType());
    }

    SmallVector<int64_t> shape(type.getShape());
    for (int64_t i = 0; i < rank; ++i)
      if (!ShapedType::isDynamic(shape[i]))
        shape[i] += low[i] + high[i];
    auto padType = RankedTensorType::get(shape, elementType);
    Value result;
    if (mode == "constant") {
      Value padValue;
      if (!isa<NoneType>(adaptor.getConstantValue().getType()))
        padValue = tensor::ExtractOp::create(
            rewriter, loc, adaptor.getConstantValue(),
            SmallVector<Value>(
                cast<RankedTensorType>(adaptor.getConstantValue().getType())
                    .getRank(),
                arith::ConstantIndexOp::create(rewriter, loc, 0)));
      else
        padValue = createScalarConstant(rewriter, loc, elementType, 0);
      SmallVector<OpFoldResult> lowOfr, highOfr;
      for (int64_t i = 0; i < rank; ++i) {
        lowOfr.push_back(rewriter.getIndexAttr(low[i]));
        highOfr.push_back(rewriter.getIndexAttr(high[i]));
      }
      result = tensor::PadOp::create(rewriter, loc, padType, data, lowOfr,
                                     highOfr, padValue);
    } else if (mode == "edge" || mode == "reflect" || mode == "wrap") {
      SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, data);
      SmallVector<Value> dims;
      for (int64_t i = 0; i < rank; ++i) {
        dims.push_back(getDimValue(rewriter, loc, data, i));
        sizes[i] = arith::AddIOp::create(rewriter, loc, dims[i],
                                         arith::ConstantIndexOp::create(
                                             rewriter, loc, low[i] + high[i]))
                       .getResult();
      }
      Value empty = createEmpty(rewriter, loc, padType, sizes);
      MLIRContext *ctx = rewriter.getContext();
      result =
          linalg::GenericOp::create(
              rewriter, loc, TypeRange{padType}, ValueRange{},
              ValueRange{empty},
              ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, ctx)},
              parallelIterators(rank),
              [&](OpBuilder &b, Location l, ValueRange) {
                auto c = [&](int64_t v) {
                  return arith::ConstantIndexOp::create(b, l, v);
                };
                SmallVector<Value> at;
                for (int64_t i = 0; i < rank; ++i) {
                  Value j = arith::SubIOp::create(
                      b, l, linalg::IndexOp::create(b, l, i), c(low[i]));
                  Value last = arith::SubIOp::create(b, l, dims[i], c(1));
                  if (mode == "edge") {
                    j = arith::MaxSIOp::create(b, l, j, c(0));
                    j = arith::MinSIOp::create(b, l, j, last);
                  } else if (mode == "reflect") {
                    // |j| reflects the low side, 2*last - j the high side.
                    Value neg = arith::SubIOp::create(b, l, c(0), j);
                    j = arith::MaxSIOp::create(b, l, j, neg);
                    Value mirrored = arith::SubIOp::create(
                        b, l, arith::MulIOp::create(b, l, last, c(2)), j);
                    j = arith::MinSIOp::create(b, l, j, mirrored);
                  } else {
                    Value r = arith::RemSIOp::create(b, l, j, dims[i]);
                    r = arith::AddIOp::create(b, l, r, dims[i]);
                    j = arith::RemSIOp::create(b, l, r, dims[i]);
                  }
                  at.push_back(j);
                }
                Value element = tensor::ExtractOp::create(b, l, data, at);
                linalg::YieldOp::create(b, l, element);
              })
              .getResult(0);
    } else {
      return rewriter.notifyMatchFailure(op, "unknown mode");
    }
    if (result.getType() != resultType)
      result = tensor::CastOp::create(rewriter, loc, resultType, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// CenterCropPad: along each listed axis the input is cropped (start
/// floor((dim - size) / 2)) or zero-padded (floor((size - dim) / 2) in
/// front) to the wanted size, which the result type must know statically; a
/// run-time `shape` input is checked against it.
struct CenterCropPadLowering : OpConversionPattern<onnx::CenterCropPadOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::CenterCropPadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInputData();
    auto inType = dyn_cast<RankedTensorType>(input.getType());
    RankedTensorType type = getConvertedResultType(*getTypeConverter(), op);
    if (!inType || !type || inType.getRank() != type.getRank() ||
        !isa<IntegerType, FloatType>(inType.getElementType()))
      return rewriter.notifyMatchFailure(op, "expects ranked numeric tensors");
    int64_t rank = inType.getRank();
    SmallVector<int64_t> axes;
    if (std::optional<ArrayAttr> attr = op.getAxes()) {
      for (Attribute a : *attr) {
        FailureOr<int64_t> axis =
            normalizeAxis(cast<IntegerAttr>(a).getInt(), rank);
        if (failed(axis) || llvm::is_contained(axes, *axis))
          return rewriter.notifyMatchFailure(op, "axes out of range");
        axes.push_back(*axis);
      }
    } else {
      for (int64_t i = 0; i < rank; ++i)
        axes.push_back(i);
    }
    Value shape = adaptor.getShape();
    auto shapeType = dyn_cast<RankedTensorType>(shape.getType());
    if (!shapeType || shapeType.getRank() != 1 ||
        (!shapeType.isDynamicDim(0) &&
         shapeType.getDimSize(0) != (int64_t)axes.size()))
      return rewriter.notifyMatchFailure(op, "shape does not match the axes");
    for (int64_t i = 0; i < rank; ++i) {
      bool listed = llvm::is_contained(axes, i);
      if ((listed && (type.isDynamicDim(i) || inType.isDynamicDim(i))) ||
          (!listed && type.getDimSize(i) != inType.getDimSize(i)))
        return rewriter.notifyMatchFailure(op,
                                           "needs static sizes along the axes");
    }
    FailureOr<SmallVector<int64_t>> constShape = getConstantInts(shape);
    if (succeeded(constShape)) {
      for (auto [k, axis] : llvm::enumerate(axes))
        if ((*constShape)[k] != type.getDimSize(axis))
          return rewriter.notifyMatchFailure(op, "shape/result mismatch");
    } else {
      if (shapeType.isDynamicDim(0))
        emitRuntimeCheck(
            rewriter, op,
            arith::CmpIOp::create(
                rewriter, loc, arith::CmpIPredicate::eq,
                getDimValue(rewriter, loc, shape, 0),
                arith::ConstantIndexOp::create(rewriter, loc, axes.size())),
            "the shape input's length is not the axes' count");
      Value ok = arith::ConstantIntOp::create(rewriter, loc, 1, 1);
      for (auto [k, axis] : llvm::enumerate(axes)) {
        Value want = arith::ConstantIndexOp::create(rewriter, loc,
                                                    type.getDimSize(axis));
        ok = arith::AndIOp::create(
            rewriter, loc, ok,
            arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                  extractIndex(rewriter, loc, shape, k), want));
      }
      emitRuntimeCheck(rewriter, op, ok,
                       "the shape input differs from the result's sizes");
    }
    // Crop first, then pad.
    SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, input);
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    SmallVector<OpFoldResult> low(rank, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> high(rank, rewriter.getIndexAttr(0));
    SmallVector<int64_t> croppedShape(inType.getShape());
    bool crops = false, pads = false;
    for (int64_t axis : axes) {
      int64_t dim = inType.getDimSize(axis), want = type.getDimSize(axis);
      if (want < dim) {
        offsets[axis] = rewriter.getIndexAttr((dim - want) / 2);
        sizes[axis] = rewriter.getIndexAttr(want);
        croppedShape[axis] = want;
        crops = true;
      } else if (want > dim) {
        low[axis] = rewriter.getIndexAttr((want - dim) / 2);
        high[axis] = rewriter.getIndexAttr(want - dim - (want - dim) / 2);
        pads = true;
      }
    }
    Value result = input;
    if (crops)
      result = tensor::ExtractSliceOp::create(
          rewriter, loc,
          RankedTensorType::get(croppedShape, inType.getElementType()), input,
          offsets, sizes, strides);
    if (pads)
      result = tensor::PadOp::create(
          rewriter, loc, type, result, low, high,
          createScalarConstant(rewriter, loc, type.getElementType(), 0));
    if (result.getType() != type)
      result = tensor::CastOp::create(rewriter, loc, type, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateOnnxPadToLinalgPatterns(TypeConverter &converter,
                                     RewritePatternSet &patterns) {
  patterns.add<PadLowering, RuntimePadLowering, CenterCropPadLowering>(
      converter, patterns.getContext());
}

} // namespace kiln
