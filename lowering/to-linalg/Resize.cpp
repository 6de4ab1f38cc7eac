//===- Resize.cpp - onnx Resize -> linalg.generic -------------------------===//
//
// Resize (nearest, linear, cubic; every coordinate_transformation_mode,
// nearest_mode, exclude_outside, extrapolation_value, antialias, axes and
// keep_aspect_ratio_policy) is one linalg.generic over the output. Per
// resized axis the body maps the output index y to a source coordinate
// x = (y + p) * m / s + q, whose terms the mode's table row derives from
// the scales/sizes/roi: folded at compile time when they are constant, else
// computed once before the generic from the run-time tensors (the result
// dims must then be static); it then reads the taps
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

/// A number of the per-axis geometry: known at compile time (`c`), or an
/// f64 value computed at run time before the generic (`v`), when scales,
/// sizes or roi are run-time tensors.
struct Num {
  std::optional<double> c;
  Value v;
  static Num of(double d) { return {d, {}}; }
  bool is(double d) const { return c && *c == d; }
};

/// Builds f64 arithmetic on Nums, folding compile-time operands.
struct NumBuilder {
  OpBuilder &b;
  Location loc;

  Value get(Num n) {
    return n.c ? createScalarConstant(b, loc, b.getF64Type(), *n.c) : n.v;
  }
  template <typename OpTy>
  Num binary(Num x, Num y, double (*fold)(double, double)) {
    if (x.c && y.c)
      return Num::of(fold(*x.c, *y.c));
    return {std::nullopt, OpTy::create(b, loc, get(x), get(y))};
  }
  Num add(Num x, Num y) {
    return binary<arith::AddFOp>(x, y,
                                 [](double p, double q) { return p + q; });
  }
  Num sub(Num x, Num y) {
    return binary<arith::SubFOp>(x, y,
                                 [](double p, double q) { return p - q; });
  }
  Num mul(Num x, Num y) {
    return binary<arith::MulFOp>(x, y,
                                 [](double p, double q) { return p * q; });
  }
  Num div(Num x, Num y) {
    return binary<arith::DivFOp>(x, y,
                                 [](double p, double q) { return p / q; });
  }
  Num min(Num x, Num y) {
    return binary<arith::MinimumFOp>(
        x, y, [](double p, double q) { return std::min(p, q); });
  }
  Num max(Num x, Num y) {
    return binary<arith::MaximumFOp>(
        x, y, [](double p, double q) { return std::max(p, q); });
  }
  Num floor(Num x) {
    if (x.c)
      return Num::of(std::floor(*x.c));
    return {std::nullopt, math::FloorOp::create(b, loc, x.v)};
  }
  /// `x == 1 ? ifOne : otherwise`.
  Num ifOne(Num x, Num ifOne, Num otherwise) {
    if (x.c)
      return *x.c == 1 ? ifOne : otherwise;
    Value isOne = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, x.v,
                                        get(Num::of(1)));
    return {std::nullopt,
            arith::SelectOp::create(b, loc, isOne, get(ifOne), get(otherwise))};
  }
};

/// What a coordinate mode knows about one resized axis.
struct AxisGeometry {
  Num in;     // input size
  Num outF;   // scale * in (not rounded)
  Num outInt; // the output size
  Num scale;
  Num roiStart, roiEnd;
};

/// The source coordinate of output index y on one axis:
/// x = (y + p) * m / s + q; the compile-time identity parts (p = 0, m = 1,
/// ...) are not built.
struct CoordinateMap {
  Num p = Num::of(0), m = Num::of(1), s = Num::of(1), q = Num::of(0);
};

/// One coordinate_transformation_mode.
struct CoordinateMode {
  llvm::StringLiteral name;
  /// Whether the map depends on the input size (which must then be static).
  bool needsInputSize;
  /// Whether coordinates outside [0, in - 1] give extrapolation_value.
  bool extrapolates;
  CoordinateMap (*map)(NumBuilder &, const AxisGeometry &);
};

const CoordinateMode kCoordinateModes[] = {
    {"half_pixel", false, false,
     [](NumBuilder &, const AxisGeometry &g) {
       return CoordinateMap{Num::of(0.5), Num::of(1), g.scale, Num::of(-0.5)};
     }},
    {"half_pixel_symmetric", true, false,
     [](NumBuilder &nb, const AxisGeometry &g) {
       // in / 2 * (1 - outInt / outF) - 0.5
       Num offset = nb.mul(nb.div(g.in, Num::of(2)),
                           nb.sub(Num::of(1), nb.div(g.outInt, g.outF)));
       return CoordinateMap{Num::of(0.5), Num::of(1), g.scale,
                            nb.sub(offset, Num::of(0.5))};
     }},
    {"pytorch_half_pixel", true, false,
     [](NumBuilder &nb, const AxisGeometry &g) {
       return CoordinateMap{nb.ifOne(g.outF, Num::of(0), Num::of(0.5)),
                            nb.ifOne(g.outF, Num::of(0), Num::of(1)),
                            nb.ifOne(g.outF, Num::of(1), g.scale),
                            Num::of(-0.5)};
     }},
    {"align_corners", true, false,
     [](NumBuilder &nb, const AxisGeometry &g) {
       return CoordinateMap{
           Num::of(0), nb.ifOne(g.outF, Num::of(0), nb.sub(g.in, Num::of(1))),
           nb.ifOne(g.outF, Num::of(1), nb.sub(g.outF, Num::of(1))),
           Num::of(0)};
     }},
    {"asymmetric", false, false,
     [](NumBuilder &, const AxisGeometry &g) {
       return CoordinateMap{Num::of(0), Num::of(1), g.scale, Num::of(0)};
     }},
    {"tf_crop_and_resize", true, true,
     [](NumBuilder &nb, const AxisGeometry &g) {
       Num last = nb.sub(g.in, Num::of(1));
       Num span = nb.mul(nb.sub(g.roiEnd, g.roiStart), last);
       Num start = nb.mul(g.roiStart, last);
       return CoordinateMap{
           Num::of(0), nb.ifOne(g.outF, Num::of(0), span),
           nb.ifOne(g.outF, Num::of(1), nb.sub(g.outF, Num::of(1))),
           nb.ifOne(g.outF, nb.add(nb.div(span, Num::of(2)), start), start)};
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
  /// The map, its run-time parts already in the compute type.
  CoordinateMap map;
  /// The input size, as an index value.
  Value inSize;
  /// The kernel's scale: min(scale, 1) with antialias, else 1. The taps are
  /// floor(x) + first + k for k < taps, at distance (first + k - r) * this.
  Num kernelScale = Num::of(1);
  int64_t first = 0, taps = 1;
};

/// `n` in the compute type `t` inside the body.
Value numValue(OpBuilder &b, Location l, Type t, Num n) {
  return n.c ? createScalarConstant(b, l, t, *n.c) : n.v;
}

/// Builds x = (y + p) * m / s + q for output index `dim` in `t`.
Value buildSourceCoordinate(OpBuilder &b, Location l, Type t,
                            const ResizedAxis &axis) {
  auto c = [&](Num v) { return numValue(b, l, t, v); };
  const CoordinateMap &m = axis.map;
  if (m.m.is(0))
    return c(m.q);
  Value y = arith::IndexCastOp::create(b, l, b.getI64Type(),
                                       linalg::IndexOp::create(b, l, axis.dim));
  Value x = arith::SIToFPOp::create(b, l, t, y);
  if (!m.p.is(0))
    x = arith::AddFOp::create(b, l, x, c(m.p));
  if (!m.m.is(1))
    x = arith::MulFOp::create(b, l, x, c(m.m));
  if (!m.s.is(1))
    x = arith::DivFOp::create(b, l, x, c(m.s));
  if (!m.q.is(0))
    x = arith::AddFOp::create(b, l, x, c(m.q));
  return x;
}

/// The entries of the 1-D scales/sizes/roi operand `v` as Nums: constants
/// when it is constant, else f64 values read at run time. An omitted
/// operand gives none.
FailureOr<SmallVector<Num>> readOperand(OpBuilder &b, Location loc, Value v,
                                        bool isUnsigned) {
  SmallVector<Num> result;
  if (isa<NoneType>(v.getType()))
    return result;
  if (FailureOr<SmallVector<double>> c = getConstantFloats(v); succeeded(c)) {
    for (double d : *c)
      result.push_back(Num::of(d));
    return result;
  }
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || type.getRank() != 1 || type.isDynamicDim(0))
    return failure();
  for (int64_t i = 0; i < type.getDimSize(0); ++i) {
    Value e = tensor::ExtractOp::create(
        b, loc, v, ValueRange{arith::ConstantIndexOp::create(b, loc, i)});
    result.push_back({std::nullopt, convertScalar(b, loc, e, b.getF64Type(),
                                                  isUnsigned, false)});
  }
  return result;
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
    // scales or sizes: an omitted operand or an empty tensor is absent.
    NumBuilder nb{rewriter, loc};
    FailureOr<SmallVector<Num>> scales =
        readOperand(rewriter, loc, adaptor.getScales(), false);
    FailureOr<SmallVector<Num>> sizes =
        readOperand(rewriter, loc, adaptor.getSizes(),
                    isUnsignedElement(op.getSizes().getType()));
    FailureOr<SmallVector<Num>> roi =
        readOperand(rewriter, loc, adaptor.getRoi(), false);
    if (failed(scales) || failed(sizes) || failed(roi))
      return rewriter.notifyMatchFailure(
          op, "expects static 1-D scales, sizes and roi");
    bool bySizes = scales->empty();
    if (bySizes ? sizes->size() != n : scales->size() != n)
      return rewriter.notifyMatchFailure(op, "scales/sizes of wrong size");
    if (coord->extrapolates && roi->size() != 2 * n)
      return rewriter.notifyMatchFailure(op, "tf_crop_and_resize needs roi");

    // Input sizes, scales and roi of every dim.
    SmallVector<Num> inSize, scale(rank, Num::of(1)),
        roiStart(rank, Num::of(0)), roiEnd(rank, Num::of(1));
    for (int64_t d = 0; d < rank; ++d) {
      if (!type.isDynamicDim(d)) {
        inSize.push_back(Num::of((double)type.getDimSize(d)));
        continue;
      }
      Value dim =
          arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(),
                                     getDimValue(rewriter, loc, x, d));
      inSize.push_back(
          {std::nullopt,
           arith::SIToFPOp::create(rewriter, loc, rewriter.getF64Type(), dim)});
    }
    for (size_t i = 0; i < n; ++i) {
      int64_t d = axes[i];
      if (coord->extrapolates) {
        roiStart[d] = (*roi)[i];
        roiEnd[d] = (*roi)[i + n];
      }
      if (!bySizes) {
        scale[d] = (*scales)[i];
        if (scale[d].c && *scale[d].c <= 0)
          return rewriter.notifyMatchFailure(op, "non-positive scale");
        continue;
      }
      if (type.isDynamicDim(d))
        return rewriter.notifyMatchFailure(op, "sizes of a dynamic dim");
      scale[d] = nb.div((*sizes)[i], inSize[d]);
    }
    StringRef policy = op.getKeepAspectRatioPolicy();
    bool keepAspect = bySizes && policy != "stretch";
    if (keepAspect) {
      if (policy != "not_larger" && policy != "not_smaller")
        return rewriter.notifyMatchFailure(op,
                                           "unknown keep_aspect_ratio_policy");
      Num s = scale[axes[0]];
      for (int64_t d : axes)
        s = policy == "not_larger" ? nb.min(s, scale[d]) : nb.max(s, scale[d]);
      for (int64_t d : axes)
        scale[d] = s;
    }

    // The axes that change (others, as the reference does, are copied).
    SmallVector<ResizedAxis> resized;
    SmallVector<OpFoldResult> resultSizes = getSizes(rewriter, loc, x);
    for (size_t i = 0; i < n; ++i) {
      int64_t d = axes[i];
      int64_t in = type.getDimSize(d);
      // The output size: floor(scale * in), the sizes entry, or
      // round_half_up(scale * in) under a keep_aspect_ratio_policy.
      Num outF = nb.mul(scale[d], inSize[d]);
      Num outInt = !bySizes     ? nb.floor(outF)
                   : keepAspect ? nb.floor(nb.add(outF, Num::of(0.5)))
                                : (*sizes)[i];
      if (outInt.c)
        outInt = Num::of((double)(int64_t)*outInt.c);
      if (!resultType.isDynamicDim(d)) {
        int64_t out = resultType.getDimSize(d);
        if (outInt.c && *outInt.c != (double)out)
          return rewriter.notifyMatchFailure(op, "result shape mismatch");
        outInt = Num::of((double)out);
      }
      bool defaultRoi = roiStart[d].is(0) && roiEnd[d].is(1);
      bool identity = scale[d].is(1) && defaultRoi && outInt.c &&
                      (ShapedType::isDynamic(in) || *outInt.c == (double)in);
      // A unit dim stays one whatever the run-time scale: every tap reads
      // its one element.
      identity |= in == 1 && outInt.is(1);
      if (identity)
        continue;
      if (ShapedType::isDynamic(in) && coord->needsInputSize)
        return rewriter.notifyMatchFailure(
            op, "coordinate mode needs a static input size");
      // An output size known only from run-time scales/sizes would be a
      // data-dependent shape; one from a dynamic input size is floor(in *
      // scale) at run time.
      if (!outInt.c && !scale[d].c)
        return rewriter.notifyMatchFailure(
            op, "run-time scales/sizes need a static result dim");
      if (outInt.c)
        resultSizes[d] = rewriter.getIndexAttr((int64_t)*outInt.c);
      else
        resultSizes[d] =
            arith::IndexCastOp::create(
                rewriter, loc, rewriter.getIndexType(),
                arith::FPToSIOp::create(rewriter, loc, rewriter.getI64Type(),
                                        outInt.v))
                .getResult();
      AxisGeometry g{inSize[d], outF, outInt, scale[d], roiStart[d], roiEnd[d]};
      ResizedAxis axis{d, coord->map(nb, g), getDimValue(rewriter, loc, x, d)};
      if (interp->kernel) {
        // A downscaling antialias kernel widens to cover radius / scale.
        // A run-time scale takes the taps of its lowest value the static
        // sizes allow; the taps past its kernel get weight 0.
        axis.kernelScale =
            antialias ? nb.min(scale[d], Num::of(1)) : Num::of(1);
        double lowest = 1;
        if (axis.kernelScale.c) {
          lowest = *axis.kernelScale.c;
        } else if (outInt.c && !ShapedType::isDynamic(in) && *outInt.c >= 1) {
          lowest = std::min(1.0, (*outInt.c - 0.5) / (double)in);
        } else {
          return rewriter.notifyMatchFailure(
              op, "antialias with a run-time scale needs static sizes");
        }
        axis.first = (int64_t)std::floor(-interp->radius / lowest) + 1;
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
    // The run-time parts of the maps, in the compute type.
    for (ResizedAxis &axis : resized)
      for (Num *v : {&axis.map.p, &axis.map.m, &axis.map.s, &axis.map.q,
                     &axis.kernelScale})
        if (!v->c)
          v->v = convertScalar(rewriter, loc, v->v, computeType, false, false);
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
                    if (!axis.kernelScale.is(1))
                      dist = arith::MulFOp::create(
                          b, l, dist,
                          numValue(b, l, computeType, axis.kernelScale));
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
                if (excludeOutside || !axis.kernelScale.is(1)) {
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
