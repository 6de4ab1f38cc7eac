//===- Sampling.cpp - onnx GridSample/AffineGrid -> linalg.generic --------===//
//
// GridSample is one linalg.generic over the output (N, C, O1..Or): per
// spatial dim the body reads the normalized coordinate from the grid (whose
// last dim lists them innermost dim first), denormalizes it (align_corners
// or not), folds it back with the padding mode, and sums the taps around it
// (1 for nearest, 2 for linear, 4 for cubic) weighted by the product of the
// per-axis kernel weights; taps outside the input read 0 (zeros), the edge
// (border) or their mirror image (reflection). The arithmetic follows onnx's
// reference evaluator (itself PyTorch's grid_sampler).
//
// AffineGrid is a generic over the grid (N, S1..Sr, r): component k is row k
// of theta times the homogeneous base coordinate (x, y[, z], 1) of the point.
//
// RoiAlign is a generic over the output (R, C, PH, PW) with reduction dims
// over each bin's sampling points, interpolating bilinearly like GridSample.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

using namespace mlir;

namespace kiln {
namespace {

/// The taps of one interpolation mode around source coordinate x.
enum class SampleMode { Nearest, Linear, Cubic };

struct SampleModeRow {
  llvm::StringLiteral name;
  SampleMode mode;
};

/// Opset 16 spells linear and cubic bilinear and bicubic.
const SampleModeRow kSampleModes[] = {
    {"nearest", SampleMode::Nearest}, {"linear", SampleMode::Linear},
    {"bilinear", SampleMode::Linear}, {"cubic", SampleMode::Cubic},
    {"bicubic", SampleMode::Cubic},
};

enum class Padding { Zeros, Border, Reflection };

struct PaddingRow {
  llvm::StringLiteral name;
  Padding padding;
};

const PaddingRow kPaddings[] = {
    {"zeros", Padding::Zeros},
    {"border", Padding::Border},
    {"reflection", Padding::Reflection},
};

/// Scalar float arithmetic in one type.
struct FloatBuilder {
  OpBuilder &b;
  Location l;
  Type t;
  Value c(double v) { return createScalarConstant(b, l, t, v); }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, l, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, l, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, l, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, l, x, y); }
  Value lt(Value x, Value y) {
    return arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, x, y);
  }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, l, cond, x, y);
  }
  Value toFloat(Value index) {
    return arith::SIToFPOp::create(
        b, l, t, arith::IndexCastOp::create(b, l, b.getI64Type(), index));
  }
  /// Truncation toward zero, as an index.
  Value toIndex(Value x) {
    return arith::IndexCastOp::create(
        b, l, b.getIndexType(),
        arith::FPToSIOp::create(b, l, b.getI64Type(), x));
  }

  /// Reflects x by the nearer border until it lies in [lo, hi].
  Value reflect(Value x, Value lo, Value hi) {
    Value range = sub(hi, lo);
    // n = trunc(dx / range) whole trips, r = dx - n * range left over;
    // an even n lands r inside the near border, an odd one inside the far.
    auto fold = [&](Value dx) {
      Value n = math::TruncOp::create(b, l, div(dx, range));
      Value r = sub(dx, mul(n, range));
      Value nInt = arith::FPToSIOp::create(b, l, b.getI64Type(), n);
      Value isOdd = arith::TruncIOp::create(b, l, b.getI1Type(), nInt);
      return std::make_pair(isOdd, r);
    };
    auto [belowOdd, belowR] = fold(sub(lo, x));
    Value below = select(belowOdd, sub(hi, belowR), add(lo, belowR));
    auto [aboveOdd, aboveR] = fold(sub(x, hi));
    Value above = select(aboveOdd, add(lo, aboveR), sub(hi, aboveR));
    return select(lt(x, lo), below, select(lt(hi, x), above, x));
  }
};

/// Keys' cubic kernel (a = -0.75) at |d| <= 1 and at 1 <= |d| <= 2.
Value cubicNear(FloatBuilder &f, Value x) {
  const double a = -0.75;
  return f.add(f.mul(f.mul(f.sub(f.mul(f.c(a + 2), x), f.c(a + 3)), x), x),
               f.c(1));
}
Value cubicFar(FloatBuilder &f, Value x) {
  const double a = -0.75;
  return f.sub(
      f.mul(f.add(f.mul(f.sub(f.mul(f.c(a), x), f.c(5 * a)), x), f.c(8 * a)),
            x),
      f.c(4 * a));
}

struct GridSampleLowering : OpConversionPattern<onnx::GridSampleOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::GridSampleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX(), grid = adaptor.getGrid();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    auto gridType = dyn_cast<RankedTensorType>(grid.getType());
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!xType || !gridType || !resultType)
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    int64_t rank = xType.getRank(), r = rank - 2;
    if (r < 1 || gridType.getRank() != r + 2 ||
        gridType.getDimSize(r + 1) != r || resultType.getRank() != rank)
      return rewriter.notifyMatchFailure(op, "grid does not match X");
    auto elementType = dyn_cast<FloatType>(xType.getElementType());
    if (!elementType || !isa<FloatType>(gridType.getElementType()))
      return rewriter.notifyMatchFailure(op, "expects float X and grid");
    const SampleModeRow *mode = nullptr;
    for (const SampleModeRow &row : kSampleModes)
      if (row.name == op.getMode())
        mode = &row;
    const PaddingRow *padding = nullptr;
    for (const PaddingRow &row : kPaddings)
      if (row.name == op.getPaddingMode())
        padding = &row;
    if (!mode || !padding)
      return rewriter.notifyMatchFailure(op, "unknown mode or padding_mode");
    bool align = op.getAlignCorners() != 0;
    Type computeType = elementType.getWidth() == 64
                           ? (Type)rewriter.getF64Type()
                           : (Type)rewriter.getF32Type();

    // Input sizes of the spatial dims and their borders: [0, size - 1]
    // with align_corners, else [-0.5, size - 0.5].
    FloatBuilder pre{rewriter, loc, computeType};
    SmallVector<Value> size, sizeF, lo, hi;
    for (int64_t i = 0; i < r; ++i) {
      size.push_back(getDimValue(rewriter, loc, x, 2 + i));
      sizeF.push_back(pre.toFloat(size.back()));
      lo.push_back(pre.c(align ? 0.0 : -0.5));
      hi.push_back(pre.sub(sizeF.back(), pre.c(align ? 1.0 : 0.5)));
    }
    SmallVector<OpFoldResult> resultSizes;
    resultSizes.push_back(getDimValue(rewriter, loc, x, 0));
    resultSizes.push_back(getDimValue(rewriter, loc, x, 1));
    for (int64_t i = 0; i < r; ++i)
      resultSizes.push_back(getDimValue(rewriter, loc, grid, 1 + i));
    Value empty = createEmpty(rewriter, loc, resultType, resultSizes);

    MLIRContext *ctx = rewriter.getContext();
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{resultType}, ValueRange{},
            ValueRange{empty},
            ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, ctx)},
            parallelIterators(rank),
            [&](OpBuilder &b, Location l, ValueRange) {
              FloatBuilder f{b, l, computeType};
              auto cIndex = [&](int64_t v) {
                return arith::ConstantIndexOp::create(b, l, v);
              };
              SmallVector<Value> at;
              for (int64_t d = 0; d < rank; ++d)
                at.push_back(linalg::IndexOp::create(b, l, d));
              // Per spatial dim: tap indices, weights, in-bounds flags.
              SmallVector<SmallVector<Value>> tapIndex(r), tapWeight(r),
                  tapInside(r);
              for (int64_t i = 0; i < r; ++i) {
                SmallVector<Value> gridAt = {at[0]};
                for (int64_t j = 0; j < r; ++j)
                  gridAt.push_back(at[2 + j]);
                gridAt.push_back(cIndex(r - 1 - i));
                Value g = convertScalar(
                    b, l, tensor::ExtractOp::create(b, l, grid, gridAt),
                    computeType, false, false);
                // Denormalize: (g + 1) / 2 * (size - 1), or
                // ((g + 1) * size - 1) / 2.
                Value xs = align
                               ? f.mul(f.div(f.add(g, f.c(1)), f.c(2)),
                                       f.sub(sizeF[i], f.c(1)))
                               : f.div(f.sub(f.mul(f.add(g, f.c(1)), sizeF[i]),
                                             f.c(1)),
                                       f.c(2));
                if (mode->mode == SampleMode::Nearest)
                  xs = math::RoundEvenOp::create(b, l, xs);
                if (padding->padding == Padding::Border) {
                  Value out = arith::OrIOp::create(b, l, f.lt(xs, lo[i]),
                                                   f.lt(hi[i], xs));
                  Value clamped = arith::MaximumFOp::create(b, l, xs, f.c(0));
                  clamped = arith::MinimumFOp::create(b, l, clamped,
                                                      f.sub(sizeF[i], f.c(1)));
                  xs = f.select(out, clamped, xs);
                } else if (padding->padding == Padding::Reflection) {
                  xs = f.reflect(xs, lo[i], hi[i]);
                }

                // The taps and their weights.
                SmallVector<Value> indices;
                if (mode->mode == SampleMode::Nearest) {
                  indices.push_back(f.toIndex(xs));
                } else {
                  Value x0 = math::FloorOp::create(b, l, xs);
                  Value t = f.sub(xs, x0);
                  Value base = f.toIndex(x0);
                  if (mode->mode == SampleMode::Linear) {
                    tapWeight[i] = {f.sub(f.c(1), t), t};
                    indices = {base,
                               arith::AddIOp::create(b, l, base, cIndex(1))};
                  } else {
                    Value oneMinus = f.sub(f.c(1), t);
                    tapWeight[i] = {cubicFar(f, f.add(t, f.c(1))),
                                    cubicNear(f, t), cubicNear(f, oneMinus),
                                    cubicFar(f, f.add(oneMinus, f.c(1)))};
                    for (int64_t k = -1; k <= 2; ++k)
                      indices.push_back(
                          arith::AddIOp::create(b, l, base, cIndex(k)));
                  }
                }
                // Fold each tap into the input.
                Value last = arith::SubIOp::create(b, l, size[i], cIndex(1));
                for (Value idx : indices) {
                  if (padding->padding == Padding::Zeros)
                    tapInside[i].push_back(arith::CmpIOp::create(
                        b, l, arith::CmpIPredicate::ult, idx, size[i]));
                  else if (padding->padding == Padding::Reflection)
                    idx = f.toIndex(f.reflect(f.toFloat(idx), lo[i], hi[i]));
                  idx = arith::MaxSIOp::create(b, l, idx, cIndex(0));
                  tapIndex[i].push_back(
                      arith::MinSIOp::create(b, l, idx, last));
                }
              }

              // Sum over every combination of taps (odometer order).
              SmallVector<int64_t> tap(r, 0);
              Value acc;
              while (true) {
                SmallVector<Value> xAt = {at[0], at[1]};
                Value weight, inside;
                for (int64_t i = 0; i < r; ++i) {
                  xAt.push_back(tapIndex[i][tap[i]]);
                  if (!tapWeight[i].empty()) {
                    Value w = tapWeight[i][tap[i]];
                    weight = weight ? f.mul(weight, w) : w;
                  }
                  if (!tapInside[i].empty()) {
                    Value in = tapInside[i][tap[i]];
                    inside =
                        inside ? (Value)arith::AndIOp::create(b, l, inside, in)
                               : in;
                  }
                }
                Value v =
                    convertScalar(b, l, tensor::ExtractOp::create(b, l, x, xAt),
                                  computeType, false, false);
                if (inside)
                  v = f.select(inside, v, f.c(0));
                if (weight)
                  v = f.mul(v, weight);
                acc = acc ? f.add(acc, v) : v;
                int64_t i = r - 1;
                while (i >= 0 && ++tap[i] == (int64_t)tapIndex[i].size())
                  tap[i--] = 0;
                if (i < 0)
                  break;
              }
              linalg::YieldOp::create(
                  b, l, convertScalar(b, l, acc, elementType, false, false));
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct AffineGridLowering : OpConversionPattern<onnx::AffineGridOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::AffineGridOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value theta = adaptor.getTheta();
    auto thetaType = dyn_cast<RankedTensorType>(theta.getType());
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    // The grid's size comes from the run-time `size` tensor: its dims must
    // be known statically (else it is a data-dependent shape).
    if (!thetaType || !resultType || !resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "expects a static result");
    int64_t r = resultType.getRank() - 2;
    auto elementType = dyn_cast<FloatType>(thetaType.getElementType());
    if (r < 1 || thetaType.getRank() != 3 ||
        resultType.getDimSize(r + 1) != r || thetaType.getDimSize(1) != r ||
        thetaType.getDimSize(2) != r + 1 || !elementType)
      return rewriter.notifyMatchFailure(op, "theta does not match the grid");
    bool align = op.getAlignCorners() != 0;
    // Like the reference, the grid is computed in f64.
    Type f64 = rewriter.getF64Type();
    Value empty = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                          resultType.getElementType());
    int64_t rank = r + 2;
    MLIRContext *ctx = rewriter.getContext();
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{resultType}, ValueRange{},
            ValueRange{empty},
            ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, ctx)},
            parallelIterators(rank),
            [&](OpBuilder &b, Location l, ValueRange) {
              FloatBuilder f{b, l, f64};
              Value n = linalg::IndexOp::create(b, l, 0);
              Value k = linalg::IndexOp::create(b, l, r + 1);
              // theta[n, k, r] times the homogeneous 1.
              Value acc = convertScalar(
                  b, l,
                  tensor::ExtractOp::create(
                      b, l, theta,
                      ValueRange{n, k,
                                 arith::ConstantIndexOp::create(b, l, r)}),
                  f64, false, false);
              for (int64_t m = 0; m < r; ++m) {
                // Component m is the innermost-first spatial dim r - 1 - m:
                // -1 + i * 2 / (S - 1), or -1 + (2 i + 1) / S.
                int64_t dim = r - m;
                double s = (double)resultType.getDimSize(dim);
                Value i = f.toFloat(linalg::IndexOp::create(b, l, dim));
                Value base =
                    !align   ? f.add(f.c(-1 + 1.0 / s), f.mul(i, f.c(2.0 / s)))
                    : s == 1 ? f.c(-1)
                             : f.add(f.c(-1), f.mul(i, f.c(2.0 / (s - 1))));
                Value t = convertScalar(
                    b, l,
                    tensor::ExtractOp::create(
                        b, l, theta,
                        ValueRange{n, k,
                                   arith::ConstantIndexOp::create(b, l, m)}),
                    f64, false, false);
                acc = f.add(acc, f.mul(t, base));
              }
              linalg::YieldOp::create(
                  b, l, convertScalar(b, l, acc, elementType, false, false));
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// RoiAlign with a fixed sampling_ratio s: a generic over the output
/// (R, C, PH, PW) with reduction dims over the s x s sampling points of
/// each bin. Every point reads the ROI box, places itself in its bin, and
/// interpolates the four pixels around it, as onnx's reference (itself
/// ONNX Runtime's kernel) does: points more than a pixel outside the image
/// read 0, coordinates are clamped into it, and max mode takes the largest
/// weighted tap. The adaptive ratio (0: ceil(roi size / bins) points, a
/// per-ROI count) is not lowered.
struct RoiAlignLowering : OpConversionPattern<onnx::RoiAlignOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::RoiAlignOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    Value rois = adaptor.getRois();
    Value batchIndices = adaptor.getBatchIndices();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    RankedTensorType type = getConvertedResultType(*getTypeConverter(), op);
    if (!xType || !type || xType.getRank() != 4 || type.getRank() != 4 ||
        !isa<FloatType>(xType.getElementType()) ||
        !isa<RankedTensorType>(rois.getType()) ||
        !isa<RankedTensorType>(batchIndices.getType()))
      return rewriter.notifyMatchFailure(op, "expects NCHW float input");
    int64_t ratio = op.getSamplingRatio();
    if (ratio <= 0)
      return rewriter.notifyMatchFailure(op, "adaptive sampling_ratio");
    StringRef ctm = op.getCoordinateTransformationMode();
    if (ctm != "half_pixel" && ctm != "output_half_pixel")
      return rewriter.notifyMatchFailure(op, "coordinate transformation mode");
    bool halfPixel = ctm == "half_pixel";
    bool isMax = op.getMode() == "max";
    if (!isMax && op.getMode() != "avg")
      return rewriter.notifyMatchFailure(op, "mode");
    int64_t pooledH = op.getOutputHeight(), pooledW = op.getOutputWidth();
    if (type.getDimSize(2) != pooledH || type.getDimSize(3) != pooledW)
      return rewriter.notifyMatchFailure(op, "output size/result mismatch");
    Type elementType = xType.getElementType();
    Type i64 = rewriter.getI64Type();
    // Every batch index must name an image of X.
    Value batch = arith::IndexCastOp::create(rewriter, loc, i64,
                                             getDimValue(rewriter, loc, x, 0));
    Value indicesOk = buildReduction(
        rewriter, loc, batchIndices, {0},
        arith::ConstantIntOp::create(rewriter, loc, 1, 1),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value inRange = arith::AndIOp::create(
              b, l,
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, args[0],
                                    createScalarConstant(b, l, i64, 0)),
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, args[0],
                                    batch));
          return arith::AndIOp::create(b, l, inRange, args[1]);
        });
    emitRuntimeCheck(
        rewriter, op,
        tensor::ExtractOp::create(rewriter, loc, indicesOk, ValueRange{}),
        "a batch index is outside the input batch");

    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineExpr> outExprs;
    for (int64_t i = 0; i < 4; ++i)
      outExprs.push_back(getAffineDimExpr(i, ctx));
    SmallVector<AffineMap> maps = {
        AffineMap::get(
            6, 0, {getAffineDimExpr(4, ctx), getAffineDimExpr(5, ctx)}, ctx),
        AffineMap::get(6, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iterators = parallelIterators(4);
    iterators.append(2, utils::IteratorType::reduction);
    Value points = tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<int64_t>{ratio, ratio}, elementType);
    SmallVector<OpFoldResult> outSizes = {
        getDimValue(rewriter, loc, rois, 0), getDimValue(rewriter, loc, x, 1),
        rewriter.getIndexAttr(pooledH), rewriter.getIndexAttr(pooledW)};
    Value init = createFilled(
        rewriter, loc, type, outSizes,
        isMax ? createLowestValue(rewriter, loc, elementType, false)
              : createScalarConstant(rewriter, loc, elementType, 0));
    Value height = getDimValue(rewriter, loc, x, 2);
    Value width = getDimValue(rewriter, loc, x, 3);
    double scale = op.getSpatialScale().convertToDouble();
    Value sum =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{type}, ValueRange{points},
            ValueRange{init}, maps, iterators,
            [&](OpBuilder &b, Location l, ValueRange args) {
              FloatBuilder f{b, l, elementType};
              auto index = [&](int64_t d) -> Value {
                return linalg::IndexOp::create(b, l, d);
              };
              auto cIdx = [&](int64_t v) -> Value {
                return arith::ConstantIndexOp::create(b, l, v);
              };
              Value r = index(0), c = index(1);
              auto roi = [&](int64_t k) {
                Value v = tensor::ExtractOp::create(b, l, rois,
                                                    ValueRange{r, cIdx(k)});
                return f.sub(f.mul(v, f.c(scale)), f.c(halfPixel ? 0.5 : 0));
              };
              Value startW = roi(0), startH = roi(1);
              Value roiW = f.sub(roi(2), startW), roiH = f.sub(roi(3), startH);
              if (!halfPixel) {
                roiW = arith::MaximumFOp::create(b, l, roiW, f.c(1));
                roiH = arith::MaximumFOp::create(b, l, roiH, f.c(1));
              }
              Value binH = f.div(roiH, f.c(pooledH));
              Value binW = f.div(roiW, f.c(pooledW));
              // Sample point (iy + 0.5) / s into bin (ph, pw).
              auto coord = [&](Value start, Value bin, int64_t binDim,
                               int64_t pointDim) {
                Value at =
                    f.add(f.toFloat(index(binDim)),
                          f.div(f.add(f.toFloat(index(pointDim)), f.c(0.5)),
                                f.c(ratio)));
                return f.add(start, f.mul(at, bin));
              };
              Value y = coord(startH, binH, 2, 4);
              Value xx = coord(startW, binW, 3, 5);
              Value sizeH = f.toFloat(height), sizeW = f.toFloat(width);
              Value outside = arith::OrIOp::create(
                  b, l,
                  arith::OrIOp::create(b, l, f.lt(y, f.c(-1)), f.lt(sizeH, y)),
                  arith::OrIOp::create(b, l, f.lt(xx, f.c(-1)),
                                       f.lt(sizeW, xx)));
              // Clamp into the image; the low/high pixels and the fraction.
              auto axis = [&](Value v, Value size) {
                v = arith::MaximumFOp::create(b, l, v, f.c(0));
                Value lowF = math::FloorOp::create(b, l, v);
                Value last = f.sub(size, f.c(1));
                Value atEnd = f.lt(last, lowF);
                atEnd = arith::OrIOp::create(
                    b, l, atEnd,
                    arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, lowF,
                                          last));
                lowF = f.select(atEnd, last, lowF);
                v = f.select(atEnd, lowF, v);
                Value low = f.toIndex(lowF);
                Value high = arith::SelectOp::create(
                    b, l, atEnd, low,
                    arith::AddIOp::create(b, l, low, cIdx(1)));
                return std::make_tuple(low, high, f.sub(v, lowF));
              };
              auto [yLow, yHigh, ly] = axis(y, sizeH);
              auto [xLow, xHigh, lx] = axis(xx, sizeW);
              Value hy = f.sub(f.c(1), ly), hx = f.sub(f.c(1), lx);
              Value bi = arith::IndexCastOp::create(
                  b, l, b.getIndexType(),
                  tensor::ExtractOp::create(b, l, batchIndices, ValueRange{r}));
              auto tap = [&](Value w, Value yi, Value xi) {
                Value v = tensor::ExtractOp::create(b, l, x,
                                                    ValueRange{bi, c, yi, xi});
                return f.select(outside, f.c(0), f.mul(w, v));
              };
              Value t1 = tap(f.mul(hy, hx), yLow, xLow);
              Value t2 = tap(f.mul(hy, lx), yLow, xHigh);
              Value t3 = tap(f.mul(ly, hx), yHigh, xLow);
              Value t4 = tap(f.mul(ly, lx), yHigh, xHigh);
              Value result;
              if (isMax) {
                Value m = arith::MaximumFOp::create(
                    b, l, arith::MaximumFOp::create(b, l, t1, t2),
                    arith::MaximumFOp::create(b, l, t3, t4));
                result = arith::MaximumFOp::create(b, l, args[1], m);
              } else {
                result = f.add(args[1], f.add(f.add(t1, t2), f.add(t3, t4)));
              }
              linalg::YieldOp::create(b, l, result);
            })
            .getResult(0);
    if (!isMax)
      sum = buildInternalBroadcast(
          rewriter, loc, {sum}, sum, elementType,
          [&](OpBuilder &b, Location l, ValueRange args) -> Value {
            return arith::DivFOp::create(
                b, l, args[0],
                createScalarConstant(b, l, elementType, ratio * ratio));
          });
    rewriter.replaceOp(op, sum);
    return success();
  }
};

} // namespace

void populateOnnxSamplingToLinalgPatterns(TypeConverter &converter,
                                          RewritePatternSet &patterns) {
  patterns.add<GridSampleLowering, AffineGridLowering, RoiAlignLowering>(
      converter, patterns.getContext());
}

} // namespace kiln
