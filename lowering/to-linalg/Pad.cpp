//===- Pad.cpp - onnx Pad -> tensor.pad/linalg ----------------------------===//
//
// Pad in constant mode is tensor.pad (negative pads slice first); edge,
// reflect and wrap modes are a generic over the output that maps each
// output index back into the input and reads it with tensor.extract.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

using namespace mlir;

namespace kiln {
namespace {

struct PadLowering : OpConversionPattern<onnx::PadOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData();
    auto type = dyn_cast<RankedTensorType>(data.getType());
    RankedTensorType resultType = getConvertedResultType(*getTypeConverter(), op);
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
          sizes[i] = arith::SubIOp::create(
                         rewriter, loc, d,
                         arith::ConstantIndexOp::create(rewriter, loc,
                                                        cropLow + cropHigh))
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
        sizes[i] = arith::AddIOp::create(
                       rewriter, loc, dims[i],
                       arith::ConstantIndexOp::create(rewriter, loc,
                                                      low[i] + high[i]))
                       .getResult();
      }
      Value empty = createEmpty(rewriter, loc, padType, sizes);
      MLIRContext *ctx = rewriter.getContext();
      result =
          linalg::GenericOp::create(
              rewriter, loc, TypeRange{padType}, ValueRange{}, ValueRange{empty},
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

} // namespace

void populateOnnxPadToLinalgPatterns(TypeConverter &converter,
                                     RewritePatternSet &patterns) {
  patterns.add<PadLowering>(converter, patterns.getContext());
}

} // namespace kiln
