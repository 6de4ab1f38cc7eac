//===- Resize.cpp - onnx Resize -> linalg.generic -------------------------===//
//
// Resize (nearest, linear, cubic; every coordinate_transformation_mode,
// nearest_mode, exclude_outside, extrapolation_value, antialias, axes and
// keep_aspect_ratio_policy) is one linalg.generic over the output. Per
// resized axis the body maps the output index y to a source coordinate
// x = (y + p) * m / s + q, whose constants the mode's table row derives at
// compile time from the constant scales/sizes/roi; it then reads the taps
// around x (1 for nearest; 2 for linear and 4 for cubic, more when an
// antialiased kernel is stretched to downscale; edge-clamped) with
// tensor.extract and sums them weighted by the product of the per-axis
// kernel weights. The arithmetic follows onnx's reference evaluator, order
// of operations included, so ties of nearest rounding fall the same way.
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

using namespace mlir;

namespace kiln {
namespace {

/// What a coordinate mode knows about one resized axis.
struct AxisGeometry {
  double in;     // input size
  double outF;   // scale * in (not rounded)
  double outInt; // the output size
  double scale;
  double roiStart, roiEnd;
};

/// The source coordinate of output index y on one axis:
/// x = (y + p) * m / s + q; the identity parts (p = 0, m = 1, ...) are not
/// built.
struct CoordinateMap {
  double p = 0, m = 1, s = 1, q = 0;
};

/// One coordinate_transformation_mode.
struct CoordinateMode {
  llvm::StringLiteral name;
  /// Whether the map depends on the input size (which must then be static).
  bool needsInputSize;
  /// Whether coordinates outside [0, in - 1] give extrapolation_value.
  bool extrapolates;
  CoordinateMap (*map)(const AxisGeometry &);
};

const CoordinateMode kCoordinateModes[] = {
    {"half_pixel", false, false,
     [](const AxisGeometry &g) {
       return CoordinateMap{0.5, 1, g.scale, -0.5};
     }},
    {"half_pixel_symmetric", true, false,
     [](const AxisGeometry &g) {
       double offset = g.in / 2 * (1 - g.outInt / g.outF);
       return CoordinateMap{0.5, 1, g.scale, offset - 0.5};
     }},
    {"pytorch_half_pixel", true, false,
     [](const AxisGeometry &g) {
       if (g.outF == 1)
         return CoordinateMap{0, 0, 1, -0.5};
       return CoordinateMap{0.5, 1, g.scale, -0.5};
     }},
    {"align_corners", true, false,
     [](const AxisGeometry &g) {
       if (g.outF == 1)
         return CoordinateMap{0, 0, 1, 0};
       return CoordinateMap{0, g.in - 1, g.outF - 1, 0};
     }},
    {"asymmetric", false, false,
     [](const AxisGeometry &g) {
       return CoordinateMap{0, 1, g.scale, 0};
     }},
    {"tf_crop_and_resize", true, true,
     [](const AxisGeometry &g) {
       double span = (g.roiEnd - g.roiStart) * (g.in - 1);
       double start = g.roiStart * (g.in - 1);
       if (g.outF == 1)
         return CoordinateMap{0, 0, 1, span / 2 + start};
       return CoordinateMap{0, span, g.outF - 1, start};
     }},
};

/// One nearest_mode: rounds a source coordinate to the nearest tap.
struct NearestMode {
  llvm::StringLiteral name;
  Value (*round)(OpBuilder &, Location, Value);
};

Value addConstant(OpBuilder &b, Location loc, Value x, double c) {
  return arith::AddFOp::create(b, loc, x,
                               createScalarConstant(b, loc, x.getType(), c));
}

const NearestMode kNearestModes[] = {
    // x.5 goes down: ceil(x - 0.5).
    {"round_prefer_floor",
     [](OpBuilder &b, Location l, Value x) -> Value {
       return math::CeilOp::create(b, l, addConstant(b, l, x, -0.5));
     }},
    // x.5 goes up: floor(x + 0.5).
    {"round_prefer_ceil",
     [](OpBuilder &b, Location l, Value x) -> Value {
       return math::FloorOp::create(b, l, addConstant(b, l, x, 0.5));
     }},
    {"floor",
     [](OpBuilder &b, Location l, Value x) -> Value {
       return math::FloorOp::create(b, l, x);
     }},
    {"ceil",
     [](OpBuilder &b, Location l, Value x) -> Value {
       return math::CeilOp::create(b, l, x);
     }},
};

/// One interpolation mode: a kernel of the distance d between a tap and
/// the source coordinate, nonzero for |d| < radius (nearest: no kernel, the
/// one tap at the rounded coordinate).
struct InterpolationMode {
  llvm::StringLiteral name;
  double radius;
  Value (*kernel)(OpBuilder &, Location, Value d, double a);
};

/// The triangle max(0, 1 - |d|).
Value linearKernel(OpBuilder &b, Location l, Value d, double) {
  Type t = d.getType();
  Value w = arith::SubFOp::create(b, l, createScalarConstant(b, l, t, 1),
                                  math::AbsFOp::create(b, l, d));
  return arith::MaximumFOp::create(b, l, w, createScalarConstant(b, l, t, 0));
}

/// Keys' cubic convolution kernel with coefficient `a`.
Value cubicKernel(OpBuilder &b, Location l, Value d, double a) {
  Type t = d.getType();
  auto c = [&](double v) { return createScalarConstant(b, l, t, v); };
  auto mul = [&](Value x, Value y) -> Value {
    return arith::MulFOp::create(b, l, x, y);
  };
  auto add = [&](Value x, Value y) -> Value {
    return arith::AddFOp::create(b, l, x, y);
  };
  Value x = math::AbsFOp::create(b, l, d);
  // |d| <= 1: ((a + 2) |d| - (a + 3)) d^2 + 1.
  Value near = add(mul(mul(add(mul(c(a + 2), x), c(-(a + 3))), x), x), c(1));
  // 1 < |d| < 2: ((a |d| - 5a) |d| + 8a) |d| - 4a.
  Value far = add(mul(add(mul(add(mul(c(a), x), c(-5 * a)), x), c(8 * a)), x),
                  c(-4 * a));
  Value isNear =
      arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLE, x, c(1));
  Value isFar = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, x, c(2));
  return arith::SelectOp::create(
      b, l, isNear, near, arith::SelectOp::create(b, l, isFar, far, c(0)));
}

const InterpolationMode kInterpolationModes[] = {
    {"nearest", 0, nullptr},
    {"linear", 1, linearKernel},
    {"cubic", 2, cubicKernel},
};

template <typename T, size_t N>
const T *lookup(const T (&table)[N], StringRef name) {
  for (const T &row : table)
    if (row.name == name)
      return &row;
  return nullptr;
}

/// One axis that Resize changes.
struct ResizedAxis {
  int64_t dim;
  CoordinateMap map;
  /// The input size, as an index value.
  Value inSize;
  /// The kernel's scale: min(scale, 1) with antialias, else 1. The taps are
  /// floor(x) + first + k for k < taps, at distance (first + k - r) * this.
  double kernelScale = 1;
  int64_t first = 0, taps = 1;
};

/// Builds x = (y + p) * m / s + q for output index `dim` in `t`.
Value buildSourceCoordinate(OpBuilder &b, Location l, Type t,
                            const ResizedAxis &axis) {
  auto c = [&](double v) { return createScalarConstant(b, l, t, v); };
  Value y = arith::IndexCastOp::create(b, l, b.getI64Type(),
                                       linalg::IndexOp::create(b, l, axis.dim));
  Value x = arith::SIToFPOp::create(b, l, t, y);
  const CoordinateMap &m = axis.map;
  if (m.m == 0)
    return c(m.q);
  if (m.p != 0)
    x = arith::AddFOp::create(b, l, x, c(m.p));
  if (m.m != 1)
    x = arith::MulFOp::create(b, l, x, c(m.m));
  if (m.s != 1)
    x = arith::DivFOp::create(b, l, x, c(m.s));
  if (m.q != 0)
    x = arith::AddFOp::create(b, l, x, c(m.q));
  return x;
}

struct ResizeLowering : OpConversionPattern<onnx::ResizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ResizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto type = dyn_cast<RankedTensorType>(x.getType());
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!type || !resultType)
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    Type elementType = type.getElementType();
    if (!isa<FloatType, IntegerType>(elementType))
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    const InterpolationMode *interp = lookup(kInterpolationModes, op.getMode());
    const CoordinateMode *coord =
        lookup(kCoordinateModes, op.getCoordinateTransformationMode());
    const NearestMode *nearest = lookup(kNearestModes, op.getNearestMode());
    if (!interp || !coord || !nearest)
      return rewriter.notifyMatchFailure(op, "unknown mode");
    bool antialias = op.getAntialias() != 0;
    if (antialias && !interp->kernel)
      return rewriter.notifyMatchFailure(op, "antialias with nearest mode");
    int64_t rank = type.getRank();

    // The axes the scales/sizes/roi entries refer to.
    SmallVector<int64_t> axes;
    if (std::optional<ArrayAttr> attr = op.getAxes()) {
      for (Attribute a : *attr) {
        FailureOr<int64_t> axis =
            normalizeAxis(cast<IntegerAttr>(a).getInt(), rank);
        if (failed(axis) || llvm::is_contained(axes, *axis))
          return rewriter.notifyMatchFailure(op, "invalid axes");
        axes.push_back(*axis);
      }
    } else {
      for (int64_t i = 0; i < rank; ++i)
        axes.push_back(i);
    }
    size_t n = axes.size();
    // scales or sizes: an omitted operand or an empty constant is absent.
    auto constantOrEmpty = [](Value v) -> FailureOr<SmallVector<double>> {
      if (isa<NoneType>(v.getType()))
        return SmallVector<double>();
      return getConstantFloats(v);
    };
    FailureOr<SmallVector<double>> scales =
        constantOrEmpty(adaptor.getScales());
    FailureOr<SmallVector<double>> sizes = constantOrEmpty(adaptor.getSizes());
    FailureOr<SmallVector<double>> roi = constantOrEmpty(adaptor.getRoi());
    if (failed(scales) || failed(sizes) || failed(roi))
      return rewriter.notifyMatchFailure(
          op, "expects constant scales, sizes and roi");
    bool bySizes = scales->empty();
    if (bySizes ? sizes->size() != n : scales->size() != n)
      return rewriter.notifyMatchFailure(op, "scales/sizes of wrong size");
    if (coord->extrapolates && roi->size() != 2 * n)
      return rewriter.notifyMatchFailure(op, "tf_crop_and_resize needs roi");

    // Scales and output sizes of every dim (-1: dynamic, computed later).
    SmallVector<double> scale(rank, 1.0), roiStart(rank, 0.0),
        roiEnd(rank, 1.0);
    SmallVector<int64_t> outSize(type.getShape());
    for (size_t i = 0; i < n; ++i) {
      int64_t d = axes[i];
      int64_t in = type.getDimSize(d);
      if (coord->extrapolates) {
        roiStart[d] = (*roi)[i];
        roiEnd[d] = (*roi)[i + n];
      }
      if (!bySizes) {
        scale[d] = (*scales)[i];
        if (scale[d] <= 0)
          return rewriter.notifyMatchFailure(op, "non-positive scale");
        if (!ShapedType::isDynamic(in))
          outSize[d] = (int64_t)(scale[d] * (double)in);
        continue;
      }
      if (ShapedType::isDynamic(in))
        return rewriter.notifyMatchFailure(op, "sizes of a dynamic dim");
      outSize[d] = (int64_t)(*sizes)[i];
      scale[d] = (double)outSize[d] / (double)in;
    }
    StringRef policy = op.getKeepAspectRatioPolicy();
    if (bySizes && policy != "stretch") {
      if (policy != "not_larger" && policy != "not_smaller")
        return rewriter.notifyMatchFailure(op,
                                           "unknown keep_aspect_ratio_policy");
      double s = scale[axes[0]];
      for (int64_t d : axes)
        s = policy == "not_larger" ? std::min(s, scale[d])
                                   : std::max(s, scale[d]);
      for (int64_t d : axes) {
        scale[d] = s;
        outSize[d] = (int64_t)(s * (double)type.getDimSize(d) + 0.5);
      }
    }

    // The axes that change (others, as the reference does, are copied).
    SmallVector<ResizedAxis> resized;
    SmallVector<OpFoldResult> resultSizes = getSizes(rewriter, loc, x);
    for (int64_t d : axes) {
      int64_t in = type.getDimSize(d);
      bool identity = scale[d] == 1.0 && roiStart[d] == 0.0 &&
                      roiEnd[d] == 1.0 &&
                      (ShapedType::isDynamic(in) || outSize[d] == in);
      if (identity)
        continue;
      if (ShapedType::isDynamic(in)) {
        if (coord->needsInputSize)
          return rewriter.notifyMatchFailure(
              op, "coordinate mode needs a static input size");
        // floor(in * scale) at run time.
        Type f64 = rewriter.getF64Type();
        Value inF = arith::SIToFPOp::create(
            rewriter, loc, f64,
            arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(),
                                       getDimValue(rewriter, loc, x, d)));
        Value outF = arith::MulFOp::create(
            rewriter, loc, inF,
            createScalarConstant(rewriter, loc, f64, scale[d]));
        resultSizes[d] = arith::IndexCastOp::create(
                             rewriter, loc, rewriter.getIndexType(),
                             arith::FPToSIOp::create(
                                 rewriter, loc, rewriter.getI64Type(), outF))
                             .getResult();
      } else {
        resultSizes[d] = rewriter.getIndexAttr(outSize[d]);
      }
      AxisGeometry g{(double)in, scale[d] * (double)in, (double)outSize[d],
                     scale[d],   roiStart[d],           roiEnd[d]};
      ResizedAxis axis{d, coord->map(g), getDimValue(rewriter, loc, x, d)};
      if (interp->kernel) {
        // A downscaling antialias kernel widens to cover radius / scale.
        axis.kernelScale = antialias ? std::min(scale[d], 1.0) : 1.0;
        axis.first =
            (int64_t)std::floor(-interp->radius / axis.kernelScale) + 1;
        axis.taps = 2 - 2 * axis.first;
      }
      resized.push_back(axis);
    }
    // The body walks the dims in order (axes may list them in any order).
    llvm::sort(resized, [](const ResizedAxis &a, const ResizedAxis &b) {
      return a.dim < b.dim;
    });
    for (int64_t d = 0; d < rank; ++d)
      if (!resultType.isDynamicDim(d) &&
          getConstantIntValue(resultSizes[d]) != resultType.getDimSize(d))
        return rewriter.notifyMatchFailure(op, "result shape mismatch");

    // Coordinates and weights in f64 for f64 data, f32 otherwise.
    auto floatType = dyn_cast<FloatType>(elementType);
    Type computeType = floatType && floatType.getWidth() == 64
                           ? (Type)rewriter.getF64Type()
                           : (Type)rewriter.getF32Type();
    bool isUnsigned = isUnsignedElement(op.getX().getType());
    double cubicA = op.getCubicCoeffA().convertToDouble();
    bool excludeOutside = op.getExcludeOutside() != 0;
    double extrapolation = op.getExtrapolationValue().convertToDouble();

    Value empty = createEmpty(rewriter, loc, resultType, resultSizes);
    MLIRContext *ctx = rewriter.getContext();
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{resultType}, ValueRange{},
            ValueRange{empty},
            ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, ctx)},
            parallelIterators(rank),
            [&](OpBuilder &b, Location l, ValueRange) {
              auto cIndex = [&](int64_t v) {
                return arith::ConstantIndexOp::create(b, l, v);
              };
              auto cf = [&](double v) {
                return createScalarConstant(b, l, computeType, v);
              };
              // Per resized axis: the tap indices and their weights.
              SmallVector<SmallVector<Value>> tapIndex, tapWeight;
              Value outside;
              for (const ResizedAxis &axis : resized) {
                Value xs = buildSourceCoordinate(b, l, computeType, axis);
                Value last =
                    arith::SubIOp::create(b, l, axis.inSize, cIndex(1));
                if (coord->extrapolates) {
                  Value lastF = arith::SIToFPOp::create(
                      b, l, computeType,
                      arith::IndexCastOp::create(b, l, b.getI64Type(), last));
                  Value before = arith::CmpFOp::create(
                      b, l, arith::CmpFPredicate::OLT, xs, cf(0));
                  Value after = arith::CmpFOp::create(
                      b, l, arith::CmpFPredicate::OGT, xs, lastF);
                  Value out = arith::OrIOp::create(b, l, before, after);
                  outside =
                      outside ? (Value)arith::OrIOp::create(b, l, outside, out)
                              : out;
                }
                Value base = interp->kernel
                                 ? (Value)math::FloorOp::create(b, l, xs)
                                 : nearest->round(b, l, xs);
                Value baseIndex = arith::IndexCastOp::create(
                    b, l, b.getIndexType(),
                    arith::FPToSIOp::create(b, l, b.getI64Type(), base));
                SmallVector<Value> indices, weights;
                Value r = arith::SubFOp::create(b, l, xs, base);
                for (int64_t k = 0; k < axis.taps; ++k) {
                  Value i = arith::AddIOp::create(b, l, baseIndex,
                                                  cIndex(axis.first + k));
                  if (interp->kernel) {
                    Value dist = arith::SubFOp::create(
                        b, l, cf((double)(axis.first + k)), r);
                    if (axis.kernelScale != 1)
                      dist = arith::MulFOp::create(b, l, dist,
                                                   cf(axis.kernelScale));
                    Value w = interp->kernel(b, l, dist, cubicA);
                    if (excludeOutside) {
                      Value notBefore = arith::CmpIOp::create(
                          b, l, arith::CmpIPredicate::sge, i, cIndex(0));
                      Value notAfter = arith::CmpIOp::create(
                          b, l, arith::CmpIPredicate::sle, i, last);
                      Value in =
                          arith::AndIOp::create(b, l, notBefore, notAfter);
                      w = arith::SelectOp::create(b, l, in, w, cf(0));
                    }
                    weights.push_back(w);
                  }
                  i = arith::MaxSIOp::create(b, l, i, cIndex(0));
                  indices.push_back(arith::MinSIOp::create(b, l, i, last));
                }
                if (excludeOutside || axis.kernelScale != 1) {
                  // The weights of the taps left sum to 1.
                  Value sum = cf(0);
                  for (Value w : weights)
                    sum = arith::AddFOp::create(b, l, sum, w);
                  for (Value &w : weights)
                    w = arith::DivFOp::create(b, l, w, sum);
                }
                tapIndex.push_back(indices);
                tapWeight.push_back(weights);
              }

              // Sum over every combination of taps (odometer order).
              SmallVector<int64_t> tap(resized.size(), 0);
              Value acc;
              while (true) {
                SmallVector<Value> at;
                Value weight;
                for (int64_t d = 0, i = 0; d < rank; ++d) {
                  if (i < (int64_t)resized.size() && resized[i].dim == d) {
                    at.push_back(tapIndex[i][tap[i]]);
                    if (interp->kernel) {
                      Value w = tapWeight[i][tap[i]];
                      weight =
                          weight ? (Value)arith::MulFOp::create(b, l, weight, w)
                                 : w;
                    }
                    ++i;
                  } else {
                    at.push_back(linalg::IndexOp::create(b, l, d));
                  }
                }
                Value element = tensor::ExtractOp::create(b, l, x, at);
                if (!interp->kernel) {
                  acc = element;
                } else {
                  Value v = convertScalar(b, l, element, computeType,
                                          isUnsigned, false);
                  if (weight)
                    v = arith::MulFOp::create(b, l, v, weight);
                  acc = acc ? (Value)arith::AddFOp::create(b, l, acc, v) : v;
                }
                int64_t i = (int64_t)resized.size() - 1;
                while (i >= 0 && ++tap[i] == resized[i].taps)
                  tap[i--] = 0;
                if (i < 0)
                  break;
              }
              if (interp->kernel) {
                // Integers round half to even, then saturate.
                if (isa<IntegerType>(elementType))
                  acc = math::RoundEvenOp::create(b, l, acc);
                acc = convertScalar(b, l, acc, elementType, false, isUnsigned);
              }
              if (outside) {
                Value fill = convertScalar(b, l, cf(extrapolation), elementType,
                                           false, isUnsigned);
                acc = arith::SelectOp::create(b, l, outside, fill, acc);
              }
              linalg::YieldOp::create(b, l, acc);
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateOnnxResizeToLinalgPatterns(TypeConverter &converter,
                                        RewritePatternSet &patterns) {
  patterns.add<ResizeLowering>(converter, patterns.getContext());
}

} // namespace kiln
