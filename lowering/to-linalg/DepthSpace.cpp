//===- DepthSpace.cpp - onnx DepthToSpace/SpaceToDepth -> linalg ----------===//
//
// Block rearrangements between the channel dim and the spatial dims of an
// NCHW tensor: a parallel linalg.generic over the result whose body computes
// the source coordinates from linalg.index values and reads the input with
// tensor.extract.
//   DepthToSpace DCR: out[n,c,h,w] = in[n, ((h%b)*b + w%b)*C + c, h/b, w/b]
//   DepthToSpace CRD: out[n,c,h,w] = in[n, c*b*b + (h%b)*b + w%b, h/b, w/b]
//   SpaceToDepth:     out[n,c,h,w] = in[n, c%C, h*b + (c/C)/b, w*b + (c/C)%b]
// (C: the channels of the result for DepthToSpace, of the input for
// SpaceToDepth.)
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

using namespace mlir;

namespace kiln {
namespace {

/// Computes the input coordinates (n, c, h, w) of the current result point.
using SourceIndexFn = llvm::function_ref<SmallVector<Value>(
    OpBuilder &, Location, Value n, Value c, Value h, Value w)>;

Value buildRearrangement(OpBuilder &b, Location loc, Value input,
                         RankedTensorType resultType,
                         ArrayRef<OpFoldResult> resultSizes,
                         SourceIndexFn source) {
  Value empty = createEmpty(b, loc, resultType, resultSizes);
  auto generic = linalg::GenericOp::create(
      b, loc, resultType, ValueRange{}, ValueRange{empty},
      SmallVector<AffineMap>{b.getMultiDimIdentityMap(4)}, parallelIterators(4),
      [&](OpBuilder &nb, Location l, ValueRange) {
        SmallVector<Value> idx;
        for (int64_t d = 0; d < 4; ++d)
          idx.push_back(linalg::IndexOp::create(nb, l, d));
        SmallVector<Value> src = source(nb, l, idx[0], idx[1], idx[2], idx[3]);
        linalg::YieldOp::create(
            nb, l, tensor::ExtractOp::create(nb, l, input, src).getResult());
      });
  return generic.getResult(0);
}

/// `size * mul / div` (exact for valid inputs), folded when static.
OpFoldResult scaleSize(OpBuilder &b, Location loc, OpFoldResult size,
                       int64_t mul, int64_t div) {
  if (std::optional<int64_t> c = getConstantIntValue(size))
    return b.getIndexAttr(*c * mul / div);
  Value v = getValueOrCreateConstantIndexOp(b, loc, size);
  v = arith::MulIOp::create(b, loc, v,
                            arith::ConstantIndexOp::create(b, loc, mul));
  return arith::DivUIOp::create(b, loc, v,
                                arith::ConstantIndexOp::create(b, loc, div))
      .getResult();
}

FailureOr<RankedTensorType> checkTypes(ConversionPatternRewriter &rewriter,
                                       Operation *op, Value input,
                                       const TypeConverter &converter,
                                       int64_t blocksize) {
  auto type = dyn_cast<RankedTensorType>(input.getType());
  RankedTensorType resultType = getConvertedResultType(converter, op);
  if (!type || type.getRank() != 4 || !resultType ||
      resultType.getRank() != 4 || blocksize <= 0)
    return rewriter.notifyMatchFailure(
        op, "expects rank-4 tensors and a positive blocksize");
  return resultType;
}

struct DepthToSpaceLowering : OpConversionPattern<onnx::DepthToSpaceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::DepthToSpaceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    int64_t bs = op.getBlocksize();
    FailureOr<RankedTensorType> resultType =
        checkTypes(rewriter, op, x, *getTypeConverter(), bs);
    if (failed(resultType))
      return failure();
    bool crd = op.getMode() == "CRD";
    SmallVector<OpFoldResult> inSizes = getSizes(rewriter, loc, x);
    SmallVector<OpFoldResult> sizes = {
        inSizes[0], scaleSize(rewriter, loc, inSizes[1], 1, bs * bs),
        scaleSize(rewriter, loc, inSizes[2], bs, 1),
        scaleSize(rewriter, loc, inSizes[3], bs, 1)};
    Value channels = getValueOrCreateConstantIndexOp(rewriter, loc, sizes[1]);
    Value result = buildRearrangement(
        rewriter, loc, x, *resultType, sizes,
        [&](OpBuilder &b, Location l, Value n, Value c, Value h, Value w) {
          Value bsV = arith::ConstantIndexOp::create(b, l, bs);
          Value hb = arith::RemUIOp::create(b, l, h, bsV);
          Value wb = arith::RemUIOp::create(b, l, w, bsV);
          Value block = arith::AddIOp::create(
              b, l, arith::MulIOp::create(b, l, hb, bsV), wb);
          Value srcC =
              crd ? arith::AddIOp::create(
                        b, l,
                        arith::MulIOp::create(
                            b, l, c,
                            arith::ConstantIndexOp::create(b, l, bs * bs)),
                        block)
                  : arith::AddIOp::create(
                        b, l, arith::MulIOp::create(b, l, block, channels), c);
          return SmallVector<Value>{n, srcC,
                                    arith::DivUIOp::create(b, l, h, bsV),
                                    arith::DivUIOp::create(b, l, w, bsV)};
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct SpaceToDepthLowering : OpConversionPattern<onnx::SpaceToDepthOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::SpaceToDepthOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    int64_t bs = op.getBlocksize();
    FailureOr<RankedTensorType> resultType =
        checkTypes(rewriter, op, x, *getTypeConverter(), bs);
    if (failed(resultType))
      return failure();
    SmallVector<OpFoldResult> inSizes = getSizes(rewriter, loc, x);
    SmallVector<OpFoldResult> sizes = {
        inSizes[0], scaleSize(rewriter, loc, inSizes[1], bs * bs, 1),
        scaleSize(rewriter, loc, inSizes[2], 1, bs),
        scaleSize(rewriter, loc, inSizes[3], 1, bs)};
    Value channels = getValueOrCreateConstantIndexOp(rewriter, loc, inSizes[1]);
    Value result = buildRearrangement(
        rewriter, loc, x, *resultType, sizes,
        [&](OpBuilder &b, Location l, Value n, Value c, Value h, Value w) {
          Value bsV = arith::ConstantIndexOp::create(b, l, bs);
          Value srcC = arith::RemUIOp::create(b, l, c, channels);
          Value block = arith::DivUIOp::create(b, l, c, channels);
          Value hb = arith::DivUIOp::create(b, l, block, bsV);
          Value wb = arith::RemUIOp::create(b, l, block, bsV);
          Value srcH = arith::AddIOp::create(
              b, l, arith::MulIOp::create(b, l, h, bsV), hb);
          Value srcW = arith::AddIOp::create(
              b, l, arith::MulIOp::create(b, l, w, bsV), wb);
          return SmallVector<Value>{n, srcC, srcH, srcW};
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateOnnxDepthSpaceToLinalgPatterns(TypeConverter &converter,
                                            RewritePatternSet &patterns) {
  patterns.add<DepthToSpaceLowering, SpaceToDepthLowering>(
      converter, patterns.getContext());
}

} // namespace kiln
