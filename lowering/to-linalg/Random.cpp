//===- Random.cpp - onnx random ops -> linalg -----------------------------===//
//
// RandomUniform, RandomNormal, RandomUniformLike, RandomNormalLike,
// Bernoulli and Dropout. The numbers are counter-based: lane k (0 or 1) of
// the element of row-major index i draws splitmix64's output number
// 2i + k + 1 of the op's stream, hashed inline in one parallel
// linalg.generic, so they never depend on tiling, vectorization or the
// thread count. A seeded op's stream
// is a hash of its seed: the same numbers every run and in every session.
// An unseeded op hashes the session's count of unseeded draws
// (kiln_rt_random_draw, runtime/kiln_random.c): every run, and every
// iteration of a loop around it, draws anew, and a fresh session replays
// the same sequence.
//
// Uniform: 53 bits make u in [0, 1); low + u * (high - low) in f64, clamped
// to the values of the output type in [low, high) (rounding may reach high),
// then rounded to the output type. Normal: Box-Muller on two uniforms,
// sqrt(-2 log u1) * cos(2 pi (u2 - 1/2)) with u1 in (0, 1], in f32 (f64 for
// f64 results).
// Bernoulli: 1 where u < p. Dropout in training mode drops an element where
// u < ratio and scales the kept ones by 1 / (1 - ratio) (the spec's
// `scale * data * mask`); inference mode forwards the data.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/RuntimeHelpers.h"
#include "lowering/to-linalg/Utils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Format.h"

#include <cmath>
#include <cstring>
#include <optional>

using namespace mlir;

namespace kiln {
namespace {

// splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
// generators", 2014): a Weyl sequence of step kGolden, each state mixed.
constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;
constexpr uint64_t kMix1 = 0xBF58476D1CE4E5B9ull;
constexpr uint64_t kMix2 = 0x94D049BB133111EBull;
/// Salts that keep a seed's stream apart from the unseeded draws' streams.
constexpr uint64_t kSeededSalt = 0x5EEDED0000000000ull;
constexpr uint64_t kUnseededSalt = 0xD4A3000000000000ull;

/// The splitmix64 output function, at compile time.
uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * kMix1;
  z = (z ^ (z >> 27)) * kMix2;
  return z ^ (z >> 31);
}

Value i64Constant(OpBuilder &b, Location loc, uint64_t value) {
  return arith::ConstantOp::create(
      b, loc, b.getI64IntegerAttr(static_cast<int64_t>(value)));
}

/// mix64 of the i64 `z`, in the lowered code.
Value buildMix64(OpBuilder &b, Location loc, Value z) {
  auto xorShift = [&](Value v, uint64_t shift) -> Value {
    Value amount = i64Constant(b, loc, shift);
    Value shifted = arith::ShRUIOp::create(b, loc, v, amount);
    return arith::XOrIOp::create(b, loc, v, shifted);
  };
  auto multiply = [&](Value v, uint64_t factor) -> Value {
    Value c = i64Constant(b, loc, factor);
    return arith::MulIOp::create(b, loc, v, c);
  };
  z = multiply(xorShift(z, 30), kMix1);
  z = multiply(xorShift(z, 27), kMix2);
  return xorShift(z, 31);
}

/// The stream key of a seed: float seeds holding an integer map to it, so
/// `seed = 3.0` and Dropout's `seed = 3` draw the same numbers.
uint64_t seedKey(double seed) {
  if (std::isfinite(seed) && seed == std::trunc(seed) &&
      std::fabs(seed) < 9.2e18)
    return static_cast<uint64_t>(static_cast<int64_t>(seed));
  uint64_t bits;
  std::memcpy(&bits, &seed, sizeof(bits));
  return bits;
}

/// The op's stream (an i64): a constant for a seed, else a hash of the
/// session's next unseeded draw.
Value buildStream(ConversionPatternRewriter &rewriter, Operation *op,
                  std::optional<uint64_t> seed) {
  Location loc = op->getLoc();
  if (seed)
    return i64Constant(rewriter, loc, mix64(*seed ^ kSeededSalt));
  func::FuncOp draw =
      getRuntimeHelper(rewriter, op, "kiln_rt_random_draw",
                       rewriter.getFunctionType({}, {rewriter.getI64Type()}));
  Value count =
      func::CallOp::create(rewriter, loc, draw, ValueRange{}).getResult(0);
  Value salted = arith::XOrIOp::create(
      rewriter, loc, count, i64Constant(rewriter, loc, kUnseededSalt));
  return buildMix64(rewriter, loc, salted);
}

/// The 64 random bits of lane `lane` (0 or 1) of the element at linear
/// index `index` (i64): splitmix64's output number 2 * index + lane + 1.
Value buildRandomBits(OpBuilder &b, Location loc, Value stream, Value index,
                      int64_t lane) {
  Value one = i64Constant(b, loc, 1);
  Value twice = arith::ShLIOp::create(b, loc, index, one);
  Value offset = i64Constant(b, loc, lane + 1);
  Value position = arith::AddIOp::create(b, loc, twice, offset);
  Value golden = i64Constant(b, loc, kGolden);
  Value step = arith::MulIOp::create(b, loc, position, golden);
  Value weyl = arith::AddIOp::create(b, loc, stream, step);
  return buildMix64(b, loc, weyl);
}

/// A uniform number of `type` (f32 or f64) from the top 24 or 53 of
/// `bits`: k / 2^n in [0, 1), or (k + 1) / 2^n in (0, 1] when
/// `excludeZero` (a logarithm's argument).
Value buildUnitFloat(OpBuilder &b, Location loc, Value bits, FloatType type,
                     bool excludeZero) {
  int64_t precision = type.isF64() ? 53 : 24;
  Value dropped = i64Constant(b, loc, 64 - precision);
  Value k = arith::ShRUIOp::create(b, loc, bits, dropped);
  if (excludeZero) {
    Value one = i64Constant(b, loc, 1);
    k = arith::AddIOp::create(b, loc, k, one);
  }
  Value asFloat = arith::UIToFPOp::create(b, loc, type, k);
  Value ulp = createScalarConstant(b, loc, type, std::ldexp(1.0, -precision));
  return arith::MulFOp::create(b, loc, asFloat, ulp);
}

/// u in [0, 1) as f64 for the element at `index`, lane 0.
Value buildUniform01(OpBuilder &b, Location loc, Value stream, Value index) {
  return buildUnitFloat(b, loc, buildRandomBits(b, loc, stream, index, 0),
                        b.getF64Type(), /*excludeZero=*/false);
}

/// The row-major linear index of the current point of a generic over dims
/// of sizes `sizes` (index values), as i64.
Value buildLinearIndex(OpBuilder &b, Location loc, ArrayRef<Value> sizes) {
  if (sizes.empty())
    return i64Constant(b, loc, 0);
  Value linear = linalg::IndexOp::create(b, loc, 0);
  for (auto [dim, size] : llvm::enumerate(sizes.drop_front())) {
    Value scaled = arith::MulIOp::create(b, loc, linear, size);
    linear = arith::AddIOp::create(b, loc, scaled,
                                   linalg::IndexOp::create(b, loc, dim + 1));
  }
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), linear);
}

/// Builds the values of one point from the input elements and the point's
/// linear index (i64); one value per result.
using RandomBodyFn = llvm::function_ref<SmallVector<Value>(
    OpBuilder &, Location, ValueRange, Value)>;

/// A parallel generic over `sizes` with results of `resultTypes` (all of
/// that shape) reading `inputs` (of that shape too) elementwise.
SmallVector<Value> buildRandomGeneric(OpBuilder &b, Location loc,
                                      ValueRange inputs,
                                      ArrayRef<RankedTensorType> resultTypes,
                                      ArrayRef<OpFoldResult> sizes,
                                      RandomBodyFn body) {
  int64_t rank = resultTypes.front().getRank();
  SmallVector<Value> sizeValues;
  for (OpFoldResult size : sizes)
    sizeValues.push_back(getValueOrCreateConstantIndexOp(b, loc, size));
  SmallVector<Value> inits;
  SmallVector<Type> types;
  for (RankedTensorType type : resultTypes) {
    inits.push_back(createEmpty(b, loc, type, sizes));
    types.push_back(type);
  }
  SmallVector<AffineMap> maps(inputs.size() + inits.size(),
                              b.getMultiDimIdentityMap(rank));
  auto generic = linalg::GenericOp::create(
      b, loc, types, inputs, inits, maps, parallelIterators(rank),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value index = buildLinearIndex(nb, l, sizeValues);
        linalg::YieldOp::create(
            nb, l, body(nb, l, args.take_front(inputs.size()), index));
      });
  return SmallVector<Value>(generic.getResults());
}

/// The affine map of a uniform draw on [low, high) into `type`, and the
/// values of `type` results are clamped to: the smallest one >= low and the
/// largest one below high (rounding may reach high, and low itself may not
/// be a value of `type`).
struct UniformRange {
  double low, range, lowest, highest;
};

/// `v` as %g prints it (the bounds are f32 attributes).
std::string formatBound(double v) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::format("%g", v);
  return text;
}

FailureOr<UniformRange> getUniformRange(Operation *op, double low, double high,
                                        FloatType type) {
  if (!std::isfinite(low) || !std::isfinite(high) || low > high)
    return op->emitOpError()
           << "expects finite low <= high, got low " << Twine(formatBound(low))
           << " and high " << Twine(formatBound(high));
  bool inexact = false;
  APFloat lowest(low), highest(high);
  lowest.convert(type.getFloatSemantics(), APFloat::rmTowardPositive, &inexact);
  highest.convert(type.getFloatSemantics(), APFloat::rmTowardNegative,
                  &inexact);
  if (low < high && highest.convertToDouble() >= high)
    highest.next(/*nextDown=*/true);
  if (highest.convertToDouble() < lowest.convertToDouble())
    return op->emitOpError()
           << "has no " << type << " value in [" << Twine(formatBound(low))
           << ", " << Twine(formatBound(high)) << ")";
  return UniformRange{low, high - low, lowest.convertToDouble(),
                      highest.convertToDouble()};
}

/// A uniform draw on the range, rounded to `type`. Narrower types than f32
/// are rounded through f32 (no f64 -> f16/bf16 conversion on every
/// target); rounding is monotonic, so the clamped bounds hold.
Value buildUniformDraw(OpBuilder &b, Location loc, Value stream, Value index,
                       const UniformRange &range, FloatType type) {
  Type f64 = b.getF64Type();
  auto cst = [&](double v) { return createScalarConstant(b, loc, f64, v); };
  Value u = buildUniform01(b, loc, stream, index);
  Value width = cst(range.range);
  Value scaled = arith::MulFOp::create(b, loc, u, width);
  Value low = cst(range.low);
  Value value = arith::AddFOp::create(b, loc, scaled, low);
  Value lowest = cst(range.lowest);
  value = arith::MaximumFOp::create(b, loc, value, lowest);
  Value highest = cst(range.highest);
  value = arith::MinimumFOp::create(b, loc, value, highest);
  if (type.getWidth() < 32)
    value = arith::TruncFOp::create(b, loc, b.getF32Type(), value);
  return convertScalar(b, loc, value, type, false, false);
}

/// A normal draw (Box-Muller) of mean `mean` and standard deviation
/// `scale`, computed in f32 (f64 for an f64 `type`) and rounded to `type`.
Value buildNormalDraw(OpBuilder &b, Location loc, Value stream, Value index,
                      double mean, double scale, FloatType type) {
  FloatType compute = type.isF64() ? type : b.getF32Type();
  Value u1 = buildUnitFloat(b, loc, buildRandomBits(b, loc, stream, index, 0),
                            compute, /*excludeZero=*/true);
  Value u2 = buildUnitFloat(b, loc, buildRandomBits(b, loc, stream, index, 1),
                            compute, /*excludeZero=*/false);
  auto cst = [&](double v) { return createScalarConstant(b, loc, compute, v); };
  // -2 log(u1) >= 0; the max keeps an approximated log(1) off sqrt's
  // negative side.
  Value log = math::LogOp::create(b, loc, u1);
  Value minusTwo = cst(-2.0);
  Value square = arith::MulFOp::create(b, loc, minusTwo, log);
  Value zero = cst(0.0);
  square = arith::MaximumFOp::create(b, loc, square, zero);
  Value radius = math::SqrtOp::create(b, loc, square);
  // The angle in [-pi, pi): the range the cos approximation is best on.
  Value half = cst(0.5);
  Value centred = arith::SubFOp::create(b, loc, u2, half);
  Value twoPi = cst(2 * M_PI);
  Value angle = arith::MulFOp::create(b, loc, twoPi, centred);
  Value cos = math::CosOp::create(b, loc, angle);
  Value z = arith::MulFOp::create(b, loc, radius, cos);
  Value sigma = cst(scale);
  Value scaled = arith::MulFOp::create(b, loc, z, sigma);
  Value mu = cst(mean);
  Value value = arith::AddFOp::create(b, loc, scaled, mu);
  return convertScalar(b, loc, value, type, false, false);
}

std::optional<uint64_t> getSeedKey(std::optional<APFloat> seed) {
  if (!seed)
    return std::nullopt;
  return seedKey(seed->convertToDouble());
}

enum class Law { Uniform, Normal };

/// RandomUniform/RandomNormal (shape attribute) and their -Like forms
/// (shape of the input). `Like` says which.
template <typename OpTy, Law law, bool like>
struct RandomLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpConversionPattern<OpTy>::OpAdaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type =
        getConvertedResultType(*this->getTypeConverter(), op);
    auto floatType =
        type ? dyn_cast<FloatType>(type.getElementType()) : nullptr;
    if (!floatType)
      return rewriter.notifyMatchFailure(op, "expects a ranked float result");
    SmallVector<OpFoldResult> sizes;
    if constexpr (like) {
      auto inType = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
      if (!inType || inType.getRank() != type.getRank())
        return rewriter.notifyMatchFailure(op, "expects a ranked input");
      sizes = getSizes(rewriter, loc, adaptor.getInput());
    } else {
      if (!type.hasStaticShape())
        return rewriter.notifyMatchFailure(op, "expects a static shape");
      for (int64_t size : type.getShape())
        sizes.push_back(rewriter.getIndexAttr(size));
    }
    std::optional<UniformRange> range;
    if constexpr (law == Law::Uniform) {
      FailureOr<UniformRange> r =
          getUniformRange(op, op.getLow().convertToDouble(),
                          op.getHigh().convertToDouble(), floatType);
      if (failed(r))
        return failure();
      range = *r;
    }
    Value stream = buildStream(rewriter, op, getSeedKey(op.getSeed()));
    SmallVector<Value> result = buildRandomGeneric(
        rewriter, loc, ValueRange{}, {type}, sizes,
        [&](OpBuilder &b, Location l, ValueRange, Value index) {
          if constexpr (law == Law::Uniform)
            return SmallVector<Value>{
                buildUniformDraw(b, l, stream, index, *range, floatType)};
          else
            return SmallVector<Value>{buildNormalDraw(
                b, l, stream, index, op.getMean().convertToDouble(),
                op.getScale().convertToDouble(), floatType)};
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Bernoulli: 1 where u < p, else 0, in the result's type (any number or
/// bool).
struct BernoulliLowering : OpConversionPattern<onnx::BernoulliOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::BernoulliOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value p = adaptor.getInput();
    RankedTensorType type = getConvertedResultType(*getTypeConverter(), op);
    if (!type || !isa<RankedTensorType>(p.getType()) ||
        !type.getElementType().isIntOrFloat())
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    Type element = type.getElementType();
    Value stream = buildStream(rewriter, op, getSeedKey(op.getSeed()));
    SmallVector<Value> result = buildRandomGeneric(
        rewriter, loc, ValueRange{p}, {type}, getSizes(rewriter, loc, p),
        [&](OpBuilder &b, Location l, ValueRange args, Value index) {
          Value u = buildUniform01(b, l, stream, index);
          Value prob =
              convertScalar(b, l, args[0], b.getF64Type(), false, false);
          Value hit =
              arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, u, prob);
          Value one = createScalarConstant(b, l, element, 1);
          Value zero = createScalarConstant(b, l, element, 0);
          return SmallVector<Value>{
              arith::SelectOp::create(b, l, hit, one, zero)};
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The single element of a one-element tensor.
Value extractSingle(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<Value> zeros(type.getRank(),
                           arith::ConstantIndexOp::create(b, loc, 0));
  return tensor::ExtractOp::create(b, loc, tensor, zeros);
}

bool isSingleElement(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.hasStaticShape() && type.getNumElements() == 1;
}

/// Whether a Dropout may drop anything: training_mode is given and not
/// constant false, and the ratio (0.5 when omitted) is not constant 0.
bool mayDrop(Value trainingMode, Value ratio) {
  if (isa<NoneType>(trainingMode.getType()))
    return false;
  FailureOr<SmallVector<int64_t>> mode = getConstantInts(trainingMode);
  if (succeeded(mode) && mode->size() == 1 && (*mode)[0] == 0)
    return false;
  if (isa<NoneType>(ratio.getType()))
    return true;
  FailureOr<SmallVector<double>> r = getConstantFloats(ratio);
  return !(succeeded(r) && r->size() == 1 && (*r)[0] == 0);
}

/// The drop probability in effect (f64): `ratio` (0.5 when omitted) in
/// training mode, 0 outside it; a run-time check of `op` rejects training
/// with a ratio outside [0, 1) (NaN included).
Value buildAppliedRatio(OpBuilder &b, Operation *op, Value ratio,
                        Value trainingMode) {
  Location loc = op->getLoc();
  Type f64 = b.getF64Type();
  Value r = createScalarConstant(b, loc, f64, 0.5);
  if (!isa<NoneType>(ratio.getType()))
    r = convertScalar(b, loc, extractSingle(b, loc, ratio), f64, false, false);
  Value training = extractSingle(b, loc, trainingMode);
  Value zero = createScalarConstant(b, loc, f64, 0);
  Value one = createScalarConstant(b, loc, f64, 1);
  Value atLeastZero =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, r, zero);
  Value belowOne =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, r, one);
  Value inRange = arith::AndIOp::create(b, loc, atLeastZero, belowOne);
  Value yes = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
  Value notTraining = arith::XOrIOp::create(b, loc, training, yes);
  Value ok = arith::OrIOp::create(b, loc, notTraining, inRange);
  emitRuntimeCheck(b, op, ok, "training mode needs a ratio in [0, 1)");
  return arith::SelectOp::create(b, loc, training, r, zero);
}

/// 1 / (1 - ratio) in `type`, for the f64 `ratio`.
Value buildDropoutScale(OpBuilder &b, Location loc, Value ratio,
                        FloatType type) {
  Value one = createScalarConstant(b, loc, type, 1.0);
  Value r = convertScalar(b, loc, ratio, type, false, false);
  Value kept = arith::SubFOp::create(b, loc, one, r);
  return arith::DivFOp::create(b, loc, one, kept);
}

/// One point of a dropping Dropout: kept where u >= ratio; the spec's
/// `scale * data * mask` as (x * scale) * mask in `compute`, rounded to
/// x's type; then the mask when `withMask`.
SmallVector<Value> buildDropoutPoint(OpBuilder &b, Location loc, Value x,
                                     Value u, Value ratio, Value scale,
                                     FloatType compute, bool withMask) {
  Value keep =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, u, ratio);
  Value wide = convertScalar(b, loc, x, compute, false, false);
  Value scaled = arith::MulFOp::create(b, loc, wide, scale);
  Value mask = arith::UIToFPOp::create(b, loc, compute, keep);
  Value y = arith::MulFOp::create(b, loc, scaled, mask);
  SmallVector<Value> values = {
      convertScalar(b, loc, y, x.getType(), false, false)};
  if (withMask)
    values.push_back(keep);
  return values;
}

/// Dropout. Inference mode (or a zero ratio) forwards the data with an all
/// true mask. Otherwise the ratio that applies is `ratio` in training mode
/// and 0 outside it (a run-time training_mode), checked at run time to lie
/// in [0, 1); element i is kept where u >= ratio. The output is the spec's
/// `scale * data * mask` with scale = 1 / (1 - ratio), computed in the
/// data's type (f32 for narrower floats): a kept element is exactly
/// x * scale, a dropped one a zero of x's sign (NaN for NaN or Inf, as the
/// product gives in the reference and ONNX Runtime).
struct DropoutLowering : OpConversionPattern<onnx::DropoutOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::DropoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData();
    auto dataType = dyn_cast<RankedTensorType>(data.getType());
    if (!dataType || !isa<FloatType>(dataType.getElementType()))
      return rewriter.notifyMatchFailure(op, "expects a ranked float tensor");
    RankedTensorType maskType;
    if (!isa<NoneType>(op.getMask().getType()) && !op.getMask().use_empty()) {
      maskType = getConvertedResultType(*getTypeConverter(), op, 1);
      if (!maskType)
        return rewriter.notifyMatchFailure(op, "unranked mask");
    }
    Value ratio = adaptor.getRatio(), trainingMode = adaptor.getTrainingMode();
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, data);
    if (!mayDrop(trainingMode, ratio)) {
      rewriter.replaceOp(op,
                         {data, buildAllTrue(rewriter, loc, maskType, sizes)});
      return success();
    }
    if ((!isa<NoneType>(ratio.getType()) && !isSingleElement(ratio)) ||
        !isSingleElement(trainingMode))
      return rewriter.notifyMatchFailure(
          op, "expects a scalar ratio and training_mode");
    Value applied = buildAppliedRatio(rewriter, op, ratio, trainingMode);
    auto element = cast<FloatType>(dataType.getElementType());
    FloatType compute =
        element.getWidth() >= 32 ? element : rewriter.getF32Type();
    Value scale = buildDropoutScale(rewriter, loc, applied, compute);
    std::optional<uint64_t> seed;
    if (std::optional<uint64_t> s = op.getSeed())
      seed = *s;
    Value stream = buildStream(rewriter, op, seed);
    SmallVector<RankedTensorType> types = {dataType};
    if (maskType)
      types.push_back(maskType);
    SmallVector<Value> results = buildRandomGeneric(
        rewriter, loc, ValueRange{data}, types, sizes,
        [&](OpBuilder &b, Location l, ValueRange args, Value index) {
          Value u = buildUniform01(b, l, stream, index);
          return buildDropoutPoint(b, l, args[0], u, applied, scale, compute,
                                   /*withMask=*/bool(maskType));
        });
    results.resize(2);
    rewriter.replaceOp(op, results);
    return success();
  }

  /// A true-filled mask of `maskType`, or null when there is none.
  static Value buildAllTrue(OpBuilder &b, Location loc,
                            RankedTensorType maskType,
                            ArrayRef<OpFoldResult> sizes) {
    if (!maskType)
      return Value();
    Value yes = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
    return createFilled(b, loc, maskType, sizes, yes);
  }
};

} // namespace

void populateOnnxRandomToLinalgPatterns(TypeConverter &converter,
                                        RewritePatternSet &patterns) {
  patterns.add<RandomLowering<onnx::RandomUniformOp, Law::Uniform, false>,
               RandomLowering<onnx::RandomUniformLikeOp, Law::Uniform, true>,
               RandomLowering<onnx::RandomNormalOp, Law::Normal, false>,
               RandomLowering<onnx::RandomNormalLikeOp, Law::Normal, true>,
               BernoulliLowering, DropoutLowering>(converter,
                                                   patterns.getContext());
}

} // namespace kiln
