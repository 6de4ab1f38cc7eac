//===- Spectral.cpp - onnx DFT, STFT, MelWeightMatrix -> linalg -----------===//
//
// DFT and STFT as one linalg.generic over the (static) result whose body
// sums the transform directly (an scf.for over the n of the signal, O(N^2)),
// reading the signal with tensor.extract: the transformed axis, the DFT
// length, the frame step and the frame length may all be run-time values
// (DFT-20's `axis` is an input), so the indexing is computed in the body.
// Every value the model's data decides that the static result shape relies
// on is checked at run time. MelWeightMatrix computes its triangular filters
// per element from the run-time scalars, like the ONNX reference.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>

using namespace mlir;

namespace kiln {
namespace {

Value cIdx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// A scalar of a 0-d or 1-element integer tensor as an index.
Value extractIndexScalar(OpBuilder &b, Location loc, Value t) {
  auto type = cast<RankedTensorType>(t.getType());
  SmallVector<Value> at(type.getRank(), cIdx(b, loc, 0));
  Value v = tensor::ExtractOp::create(b, loc, t, at);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
}

/// A linalg.generic over every point of the static `resultType` computing
/// `body(indices)`.
Value buildPointwise(
    OpBuilder &b, Location loc, RankedTensorType resultType,
    function_ref<Value(OpBuilder &, Location, ArrayRef<Value>)> body) {
  int64_t rank = resultType.getRank();
  Value empty = createEmpty(b, loc, resultType, {});
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{}, ValueRange{empty},
      ArrayRef<AffineMap>{
          AffineMap::getMultiDimIdentityMap(rank, b.getContext())},
      parallelIterators(rank),
      [&](OpBuilder &nb, Location l, ValueRange) {
        SmallVector<Value> at;
        for (int64_t d = 0; d < rank; ++d)
          at.push_back(linalg::IndexOp::create(nb, l, d));
        linalg::YieldOp::create(nb, l, body(nb, l, at));
      });
  return generic.getResult(0);
}

/// `cond ? a : b`.
Value select(OpBuilder &b, Location loc, Value cond, Value x, Value y) {
  return arith::SelectOp::create(b, loc, cond, x, y);
}
Value cmp(OpBuilder &b, Location loc, arith::CmpIPredicate p, Value x,
          Value y) {
  return arith::CmpIOp::create(b, loc, p, x, y);
}

/// One complex sample of a signal in ONNX's real representation: the last
/// dim holds [re] or [re, im].
struct Complex {
  Value re, im;
};

/// sum over n in [0, length) of sample(n) * exp(sign * 2 pi i k n / length),
/// in the float type `ft`; `sign` is -1 (forward) or +1 (inverse).
Complex buildDirectSum(OpBuilder &b, Location loc, FloatType ft, Value k,
                       Value length, bool inverse,
                       function_ref<Complex(OpBuilder &, Location, Value)>
                           sample) {
  Value zero = createScalarConstant(b, loc, ft, 0.0);
  Value twoPi = createScalarConstant(b, loc, ft, 2 * M_PI);
  Value lengthF = arith::UIToFPOp::create(
      b, loc, ft,
      arith::IndexCastOp::create(b, loc, b.getI64Type(), length));
  auto loop = scf::ForOp::create(
      b, loc, cIdx(b, loc, 0), length, cIdx(b, loc, 1),
      ValueRange{zero, zero},
      [&](OpBuilder &lb, Location l, Value n, ValueRange acc) {
        Complex x = sample(lb, l, n);
        // The angle's numerator reduced mod length keeps it in [0, 2 pi).
        Value kn = arith::RemUIOp::create(
            lb, l, arith::MulIOp::create(lb, l, k, n), length);
        Value knF = arith::UIToFPOp::create(
            lb, l, ft, arith::IndexCastOp::create(lb, l, lb.getI64Type(), kn));
        Value theta = arith::DivFOp::create(
            lb, l, arith::MulFOp::create(lb, l, twoPi, knF), lengthF);
        Value c = math::CosOp::create(lb, l, theta);
        Value s = math::SinOp::create(lb, l, theta);
        auto mul = [&](Value a, Value bb) {
          return arith::MulFOp::create(lb, l, a, bb).getResult();
        };
        Value rc = mul(x.re, c), is = mul(x.im, s), ic = mul(x.im, c),
              rs = mul(x.re, s);
        // exp(-i t) = c - i s; exp(i t) = c + i s.
        Value re = inverse ? arith::SubFOp::create(lb, l, rc, is).getResult()
                           : arith::AddFOp::create(lb, l, rc, is).getResult();
        Value im = inverse ? arith::AddFOp::create(lb, l, ic, rs).getResult()
                           : arith::SubFOp::create(lb, l, ic, rs).getResult();
        scf::YieldOp::create(
            lb, l,
            ValueRange{arith::AddFOp::create(lb, l, acc[0], re),
                       arith::AddFOp::create(lb, l, acc[1], im)});
      });
  return {loop.getResult(0), loop.getResult(1)};
}

/// The compute type of the sums: f64 for every signal type, like the
/// reference (numpy's FFT works in double): near-zero components then match
/// its rounding, which the backend tests' atol of 1e-7 needs.
FloatType computeTypeOf(OpBuilder &b, Type) { return b.getF64Type(); }

Value toCompute(OpBuilder &b, Location loc, Value v, FloatType ft) {
  if (v.getType() == ft)
    return v;
  return arith::ExtFOp::create(b, loc, ft, v);
}
Value fromCompute(OpBuilder &b, Location loc, Value v, Type elementType) {
  if (v.getType() == elementType)
    return v;
  return arith::TruncFOp::create(b, loc, elementType, v);
}

/// Reads sample `at` (the last index ignored) of a [..., 1|2] signal as a
/// complex number, or zero when `valid` is false (reads then stay in
/// bounds: the caller clamps `at`).
Complex readSample(OpBuilder &b, Location loc, Value signal,
                   SmallVector<Value> at, Value valid, FloatType ft) {
  auto type = cast<RankedTensorType>(signal.getType());
  int64_t components = type.getShape().back();
  Value zero = createScalarConstant(b, loc, ft, 0.0);
  at.back() = cIdx(b, loc, 0);
  Value re = toCompute(b, loc, tensor::ExtractOp::create(b, loc, signal, at),
                       ft);
  Value im = zero;
  if (components == 2) {
    at.back() = cIdx(b, loc, 1);
    im = toCompute(b, loc, tensor::ExtractOp::create(b, loc, signal, at), ft);
  }
  return {select(b, loc, valid, re, zero), select(b, loc, valid, im, zero)};
}

/// DFT (opset 20; opset 17/19 arrive with `axis` as an input): forward or
/// inverse, real or complex input, onesided (rfft) and inverse onesided
/// (irfft: the Hermitian extension of the half spectrum, real result).
struct DFTLowering : OpConversionPattern<onnx::DFTOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::DFTOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!xType || !resultType || !resultType.hasStaticShape() ||
        xType.getRank() < 2 || resultType.getRank() != xType.getRank() ||
        ShapedType::isDynamic(xType.getShape().back()))
      return rewriter.notifyMatchFailure(op, "expects ranked tensors and a "
                                             "static result");
    int64_t rank = xType.getRank();
    int64_t components = xType.getShape().back();
    bool inverse = op.getInverse() != 0, onesided = op.getOnesided() != 0;
    bool irfft = inverse && onesided;
    if (components != 1 && components != 2)
      return rewriter.notifyMatchFailure(op, "expects a last dim of 1 or 2");
    if (resultType.getShape().back() != (irfft ? 1 : 2))
      return rewriter.notifyMatchFailure(op, "unexpected result last dim");
    Type elementType = resultType.getElementType();
    FloatType ft = computeTypeOf(rewriter, elementType);

    // The axis: a constant, or a run-time scalar checked into [0, rank-2].
    Value axis;
    Value axisInput = adaptor.getAxis();
    Value rankV = cIdx(rewriter, loc, rank);
    if (isa<NoneType>(axisInput.getType())) {
      axis = cIdx(rewriter, loc, rank - 2);
    } else if (auto c = getConstantInts(axisInput);
               succeeded(c) && c->size() == 1) {
      int64_t a = (*c)[0] < 0 ? (*c)[0] + rank : (*c)[0];
      if (a < 0 || a > rank - 2)
        return op.emitOpError() << "axis " << (*c)[0]
                                << " is out of range for a rank-" << rank
                                << " input";
      axis = cIdx(rewriter, loc, a);
    } else {
      Value a = tensor::ExtractOp::create(
          rewriter, loc, axisInput,
          SmallVector<Value>(
              cast<RankedTensorType>(axisInput.getType()).getRank(),
              cIdx(rewriter, loc, 0)));
      Value zeroI = createScalarConstant(rewriter, loc, a.getType(), 0);
      Value rankI = createScalarConstant(rewriter, loc, a.getType(), rank);
      Value neg = cmp(rewriter, loc, arith::CmpIPredicate::slt, a, zeroI);
      a = select(rewriter, loc, neg, arith::AddIOp::create(rewriter, loc, a,
                                                           rankI),
                 a);
      a = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(),
                                     a);
      Value ok = arith::AndIOp::create(
          rewriter, loc,
          cmp(rewriter, loc, arith::CmpIPredicate::sge, a,
              cIdx(rewriter, loc, 0)),
          cmp(rewriter, loc, arith::CmpIPredicate::slt, a,
              cIdx(rewriter, loc, rank - 1)));
      emitRuntimeCheck(rewriter, op, ok,
                       "axis is out of range (the last dim holds the "
                       "complex components)");
      axis = select(rewriter, loc, ok, a, cIdx(rewriter, loc, 0));
    }
    (void)rankV;

    // Sizes along the axis: the input's, the result's.
    auto alongAxis = [&](function_ref<Value(int64_t)> dim) {
      Value v = dim(0);
      for (int64_t d = 1; d < rank - 1; ++d)
        v = select(rewriter, loc,
                   cmp(rewriter, loc, arith::CmpIPredicate::eq, axis,
                       cIdx(rewriter, loc, d)),
                   dim(d), v);
      return v;
    };
    Value inLen =
        alongAxis([&](int64_t d) { return getDimValue(rewriter, loc, x, d); });
    Value outLen = alongAxis([&](int64_t d) {
      return cIdx(rewriter, loc, resultType.getDimSize(d));
    });
    Value one = cIdx(rewriter, loc, 1), two = cIdx(rewriter, loc, 2);
    Value length;
    if (!isa<NoneType>(adaptor.getDftLength().getType())) {
      length = extractIndexScalar(rewriter, loc, adaptor.getDftLength());
    } else if (irfft) {
      length = arith::MulIOp::create(
          rewriter, loc, two, arith::SubIOp::create(rewriter, loc, inLen, one));
    } else {
      length = inLen;
    }
    Value expectedOut =
        onesided && !inverse
            ? arith::AddIOp::create(
                  rewriter, loc,
                  arith::DivUIOp::create(rewriter, loc, length, two), one)
                  .getResult()
            : length;
    emitRuntimeCheck(
        rewriter, op,
        arith::AndIOp::create(
            rewriter, loc,
            cmp(rewriter, loc, arith::CmpIPredicate::eq, outLen, expectedOut),
            cmp(rewriter, loc, arith::CmpIPredicate::sgt, length,
                cIdx(rewriter, loc, 0))),
        "dft_length or the input's size along the axis does not match the "
        "result's shape");

    Value result = buildPointwise(
        rewriter, loc, resultType,
        [&](OpBuilder &b, Location l, ArrayRef<Value> at) -> Value {
          Value k = at[0];
          for (int64_t d = 1; d < rank - 1; ++d)
            k = select(b, l,
                       cmp(b, l, arith::CmpIPredicate::eq, axis,
                           cIdx(b, l, d)),
                       at[d], k);
          Value half = arith::DivUIOp::create(b, l, length, cIdx(b, l, 2));
          Complex sum = buildDirectSum(
              b, l, ft, k, length, inverse,
              [&](OpBuilder &lb, Location ll, Value n) -> Complex {
                // irfft reads X[n] for n <= N/2 and conj(X[N-n]) above.
                Value m = n;
                Value upper;
                if (irfft) {
                  upper = cmp(lb, ll, arith::CmpIPredicate::ugt, n, half);
                  m = select(lb, ll, upper,
                             arith::SubIOp::create(lb, ll, length, n), n);
                }
                Value valid = cmp(lb, ll, arith::CmpIPredicate::ult, m, inLen);
                Value safe = select(lb, ll, valid, m, cIdx(lb, ll, 0));
                SmallVector<Value> src(at.begin(), at.end());
                for (int64_t d = 0; d < rank - 1; ++d)
                  src[d] = select(lb, ll,
                                  cmp(lb, ll, arith::CmpIPredicate::eq, axis,
                                      cIdx(lb, ll, d)),
                                  safe, at[d]);
                Complex v = readSample(lb, ll, x, src, valid, ft);
                if (irfft)
                  v.im = select(lb, ll, upper,
                                arith::NegFOp::create(lb, ll, v.im), v.im);
                return v;
              });
          Value re = sum.re, im = sum.im;
          if (inverse) {
            Value lengthF = arith::UIToFPOp::create(
                b, l, ft,
                arith::IndexCastOp::create(b, l, b.getI64Type(), length));
            re = arith::DivFOp::create(b, l, re, lengthF);
            im = arith::DivFOp::create(b, l, im, lengthF);
          }
          Value isRe = cmp(b, l, arith::CmpIPredicate::eq, at[rank - 1],
                           cIdx(b, l, 0));
          return fromCompute(b, l, select(b, l, isRe, re, im), elementType);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// STFT: frames of `frame_length` samples every `frame_step`, windowed, each
/// transformed; [batch, frames, bins, 2].
struct STFTLowering : OpConversionPattern<onnx::STFTOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::STFTOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getSignal();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!xType || !resultType || !resultType.hasStaticShape() ||
        xType.getRank() != 3 || resultType.getRank() != 4 ||
        ShapedType::isDynamic(xType.getShape().back()) ||
        xType.getShape().back() > 2 || resultType.getShape().back() != 2)
      return rewriter.notifyMatchFailure(
          op, "expects a [batch, length, 1|2] signal and a static result");
    Type elementType = resultType.getElementType();
    FloatType ft = computeTypeOf(rewriter, elementType);
    bool onesided = op.getOnesided() != 0;
    Value window = adaptor.getWindow();
    bool hasWindow = !isa<NoneType>(window.getType());
    Value signalLen = getDimValue(rewriter, loc, x, 1);
    Value step = extractIndexScalar(rewriter, loc, adaptor.getFrameStep());
    Value frameLen;
    if (!isa<NoneType>(adaptor.getFrameLength().getType()))
      frameLen = extractIndexScalar(rewriter, loc, adaptor.getFrameLength());
    else if (hasWindow)
      frameLen = getDimValue(rewriter, loc, window, 0);
    else
      frameLen = signalLen;
    Value windowLen =
        hasWindow ? getDimValue(rewriter, loc, window, 0) : frameLen;

    // frames = 1 + (length - frame_length) / step; bins = N/2+1 or N.
    Value one = cIdx(rewriter, loc, 1);
    Value zero = cIdx(rewriter, loc, 0);
    Value positive = arith::AndIOp::create(
        rewriter, loc,
        cmp(rewriter, loc, arith::CmpIPredicate::sgt, step, zero),
        arith::AndIOp::create(
            rewriter, loc,
            cmp(rewriter, loc, arith::CmpIPredicate::sgt, frameLen, zero),
            cmp(rewriter, loc, arith::CmpIPredicate::sle, frameLen,
                signalLen)));
    Value safeStep = select(rewriter, loc, positive, step, one);
    Value frames = arith::AddIOp::create(
        rewriter, loc, one,
        arith::DivUIOp::create(
            rewriter, loc,
            arith::SubIOp::create(rewriter, loc, signalLen,
                                  select(rewriter, loc, positive, frameLen,
                                         zero)),
            safeStep));
    Value bins =
        onesided ? arith::AddIOp::create(
                       rewriter, loc,
                       arith::DivUIOp::create(rewriter, loc, frameLen,
                                              cIdx(rewriter, loc, 2)),
                       one)
                       .getResult()
                 : frameLen;
    Value ok = arith::AndIOp::create(
        rewriter, loc, positive,
        arith::AndIOp::create(
            rewriter, loc,
            cmp(rewriter, loc, arith::CmpIPredicate::eq, frames,
                cIdx(rewriter, loc, resultType.getDimSize(1))),
            cmp(rewriter, loc, arith::CmpIPredicate::eq, bins,
                cIdx(rewriter, loc, resultType.getDimSize(2)))));
    emitRuntimeCheck(rewriter, op, ok,
                     "frame_step, frame_length or the window do not match "
                     "the result's shape");

    Value result = buildPointwise(
        rewriter, loc, resultType,
        [&](OpBuilder &b, Location l, ArrayRef<Value> at) -> Value {
          Value frameStart = arith::MulIOp::create(b, l, at[1], safeStep);
          Complex sum = buildDirectSum(
              b, l, ft, at[2], frameLen, /*inverse=*/false,
              [&](OpBuilder &lb, Location ll, Value n) -> Complex {
                Value pos = arith::AddIOp::create(lb, ll, frameStart, n);
                Value valid =
                    cmp(lb, ll, arith::CmpIPredicate::ult, pos, signalLen);
                Value safe = select(lb, ll, valid, pos, cIdx(lb, ll, 0));
                Complex v = readSample(lb, ll, x, {at[0], safe, Value()},
                                       valid, ft);
                if (hasWindow) {
                  Value inWindow =
                      cmp(lb, ll, arith::CmpIPredicate::ult, n, windowLen);
                  Value wAt = select(lb, ll, inWindow, n, cIdx(lb, ll, 0));
                  Value w = toCompute(
                      lb, ll,
                      tensor::ExtractOp::create(lb, ll, window,
                                                ValueRange{wAt}),
                      ft);
                  w = select(lb, ll, inWindow, w,
                             createScalarConstant(lb, ll, ft, 0.0));
                  v.re = arith::MulFOp::create(lb, ll, v.re, w);
                  v.im = arith::MulFOp::create(lb, ll, v.im, w);
                }
                return v;
              });
          Value isRe = cmp(b, l, arith::CmpIPredicate::eq, at[3],
                           cIdx(b, l, 0));
          return fromCompute(b, l, select(b, l, isRe, sum.re, sum.im),
                             elementType);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// MelWeightMatrix: [dft_length/2+1, num_mel_bins] triangular filters, the
/// filter edges computed like the ONNX reference (mel scale in the input
/// float type, bin edges in f64, floored).
struct MelWeightMatrixLowering
    : OpConversionPattern<onnx::MelWeightMatrixOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::MelWeightMatrixOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!resultType || !resultType.hasStaticShape() ||
        resultType.getRank() != 2)
      return rewriter.notifyMatchFailure(op, "expects a static 2-D result");
    auto scalar = [&](Value t) {
      auto type = cast<RankedTensorType>(t.getType());
      return tensor::ExtractOp::create(
                 rewriter, loc, t,
                 SmallVector<Value>(type.getRank(), cIdx(rewriter, loc, 0)))
          .getResult();
    };
    Type f64 = rewriter.getF64Type();
    auto intToF64 = [&](Value v) {
      return arith::SIToFPOp::create(rewriter, loc, f64, v).getResult();
    };
    Value melBins = scalar(adaptor.getNumMelBins());
    Value dftLength = scalar(adaptor.getDftLength());
    Value sampleRate = scalar(adaptor.getSampleRate());
    Value lower = scalar(adaptor.getLowerEdgeHertz());
    Value upper = scalar(adaptor.getUpperEdgeHertz());
    auto lowerFt = cast<FloatType>(lower.getType());
    FloatType melType =
        lowerFt.isF64() ? rewriter.getF64Type() : rewriter.getF32Type();
    lower = toCompute(rewriter, loc, lower, melType);
    upper = toCompute(rewriter, loc, upper, melType);
    // 2595 * log10(1 + hz / 700), in the inputs' float type.
    auto toMel = [&](Value hz) {
      Value r = arith::DivFOp::create(
          rewriter, loc, hz, createScalarConstant(rewriter, loc, melType, 700));
      r = arith::AddFOp::create(rewriter, loc,
                                createScalarConstant(rewriter, loc, melType, 1),
                                r);
      r = math::Log10Op::create(rewriter, loc, r);
      return arith::MulFOp::create(
                 rewriter, loc,
                 createScalarConstant(rewriter, loc, melType, 2595), r)
          .getResult();
    };
    Value lowMel = toMel(lower), highMel = toMel(upper);
    Value melBinsI64 = arith::ExtSIOp::create(rewriter, loc,
                                              rewriter.getI64Type(), melBins);
    if (melBins.getType().isInteger(64))
      melBinsI64 = melBins;
    Value count = arith::SIToFPOp::create(
        rewriter, loc, melType,
        arith::AddIOp::create(
            rewriter, loc, melBinsI64,
            createScalarConstant(rewriter, loc, rewriter.getI64Type(), 2)));
    Value melStep = arith::DivFOp::create(
        rewriter, loc, arith::SubFOp::create(rewriter, loc, highMel, lowMel),
        count);
    Value melStep64 = toCompute(rewriter, loc, melStep, cast<FloatType>(f64));
    Value lowMel64 = toCompute(rewriter, loc, lowMel, cast<FloatType>(f64));
    Value dftPlusOne = arith::AddFOp::create(
        rewriter, loc, intToF64(dftLength),
        createScalarConstant(rewriter, loc, f64, 1));
    Value rate = intToF64(sampleRate);
    Value dftIdx = arith::IndexCastOp::create(
        rewriter, loc, rewriter.getIndexType(), dftLength);
    Value binsIdx = arith::IndexCastOp::create(
        rewriter, loc, rewriter.getIndexType(), melBins);
    emitRuntimeCheck(
        rewriter, op,
        arith::AndIOp::create(
            rewriter, loc,
            cmp(rewriter, loc, arith::CmpIPredicate::eq,
                arith::AddIOp::create(
                    rewriter, loc,
                    arith::DivSIOp::create(rewriter, loc, dftIdx,
                                           cIdx(rewriter, loc, 2)),
                    cIdx(rewriter, loc, 1)),
                cIdx(rewriter, loc, resultType.getDimSize(0))),
            cmp(rewriter, loc, arith::CmpIPredicate::eq, binsIdx,
                cIdx(rewriter, loc, resultType.getDimSize(1)))),
        "num_mel_bins or dft_length do not match the result's shape");

    Type elementType = resultType.getElementType();
    Value result = buildPointwise(
        rewriter, loc, resultType,
        [&](OpBuilder &b, Location l, ArrayRef<Value> at) -> Value {
          Type i64 = b.getI64Type();
          auto f = [&](double v) { return createScalarConstant(b, l, f64, v); };
          // The edge of filter point t, an integer bin.
          auto edge = [&](Value t) {
            Value tf = arith::UIToFPOp::create(
                b, l, f64, arith::IndexCastOp::create(b, l, i64, t));
            Value mel = arith::AddFOp::create(
                b, l, arith::MulFOp::create(b, l, tf, melStep64), lowMel64);
            Value hz = arith::MulFOp::create(
                b, l, f(700),
                arith::SubFOp::create(
                    b, l,
                    math::PowFOp::create(
                        b, l, f(10), arith::DivFOp::create(b, l, mel, f(2595))),
                    f(1)));
            Value bin = math::FloorOp::create(
                b, l,
                arith::DivFOp::create(
                    b, l, arith::MulFOp::create(b, l, dftPlusOne, hz), rate));
            return arith::FPToSIOp::create(b, l, i64, bin).getResult();
          };
          Value i = at[1];
          Value left = edge(i);
          Value center = edge(arith::AddIOp::create(b, l, i, cIdx(b, l, 1)));
          Value right = edge(arith::AddIOp::create(b, l, i, cIdx(b, l, 2)));
          Value j = arith::IndexCastOp::create(b, l, i64, at[0]);
          auto toF = [&](Value v) {
            return arith::SIToFPOp::create(b, l, f64, v).getResult();
          };
          auto sub = [&](Value p, Value q) {
            return arith::SubIOp::create(b, l, p, q).getResult();
          };
          auto ge = [&](Value p, Value q) {
            return cmp(b, l, arith::CmpIPredicate::sge, p, q);
          };
          auto lt = [&](Value p, Value q) {
            return cmp(b, l, arith::CmpIPredicate::slt, p, q);
          };
          auto andI = [&](Value p, Value q) {
            return arith::AndIOp::create(b, l, p, q).getResult();
          };
          Value zeroI = createScalarConstant(b, l, i64, 0);
          Value lowToCenter = sub(center, left);
          Value centerToHigh = sub(right, center);
          Value v = f(0);
          // Rising edge (or 1 at the center when it has no width).
          Value flat = cmp(b, l, arith::CmpIPredicate::eq, lowToCenter, zeroI);
          Value atCenter = cmp(b, l, arith::CmpIPredicate::eq, j, center);
          v = select(b, l, andI(flat, atCenter), f(1), v);
          Value rising = andI(arith::XOrIOp::create(
                                  b, l, flat,
                                  arith::ConstantIntOp::create(b, l, 1, 1)),
                              andI(ge(j, left), ge(center, j)));
          Value safeLc = select(b, l, flat, createScalarConstant(b, l, i64, 1),
                                lowToCenter);
          v = select(b, l, rising,
                     arith::DivFOp::create(b, l, toF(sub(j, left)),
                                           toF(safeLc)),
                     v);
          // Falling edge, written after the rising one like the reference.
          Value hasFall = cmp(b, l, arith::CmpIPredicate::sgt, centerToHigh,
                              zeroI);
          Value falling = andI(hasFall, andI(ge(j, center), lt(j, right)));
          Value safeCh = select(b, l, hasFall, centerToHigh,
                                createScalarConstant(b, l, i64, 1));
          v = select(b, l, falling,
                     arith::DivFOp::create(b, l, toF(sub(right, j)),
                                           toF(safeCh)),
                     v);
          return convertScalar(b, l, v, elementType, false,
                               isUnsignedElement(op.getType()));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateOnnxSpectralToLinalgPatterns(TypeConverter &converter,
                                          RewritePatternSet &patterns) {
  patterns.add<DFTLowering, STFTLowering, MelWeightMatrixLowering>(
      converter, patterns.getContext());
}

} // namespace kiln
