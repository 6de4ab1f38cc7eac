//===- Conv.cpp - onnx Conv and ConvTranspose -> linalg convolutions ------===//
//
// Conv pads its input with tensor.pad and accumulates into an init holding
// the broadcast bias (in f32 for f16/bf16 convs, rounded once at the end, as
// the ONNX reference does). 2-D convs use the named linalg ops upstream tiling
// and vectorization know (conv_2d_nchw_fchw, depthwise_conv_2d_nchw_chw);
// grouped, 1-D, 3-D and channel-multiplier depthwise convs use one
// grouped-convolution linalg.generic. ConvTranspose is the same generic over
// the stride-dilated, padded input with the kernel read reversed.
// DeformConv is a generic whose taps interpolate the input at offset
// positions. CausalConvWithState is a depthwise generic over the input
// concatenated after its carried state.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

using namespace mlir;

namespace kiln {
namespace {

/// The accumulator: bias broadcast along dim 1 (widened to the
/// accumulator's element type), or zeros.
Value createConvInit(OpBuilder &b, Location loc, Value bias,
                     RankedTensorType outType, ArrayRef<OpFoldResult> sizes) {
  Type elementType = outType.getElementType();
  if (isa<NoneType>(bias.getType()))
    return createFilled(b, loc, outType, sizes,
                        createScalarConstant(b, loc, elementType, 0));
  MLIRContext *ctx = b.getContext();
  int64_t rank = outType.getRank();
  Value empty = createEmpty(b, loc, outType, sizes);
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx),
      AffineMap::getMultiDimIdentityMap(rank, ctx)};
  return linalg::GenericOp::create(
             b, loc, TypeRange{outType}, ValueRange{bias}, ValueRange{empty},
             maps, parallelIterators(rank),
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               linalg::YieldOp::create(
                   nb, nloc,
                   convertScalar(nb, nloc, args[0], elementType, false, false));
             })
      .getResult(0);
}

/// A grouped convolution of any spatial rank as one linalg.generic.
/// `input` is padded [N, C, S...]; `filter` is [M, C/G, K...] or, when
/// `transposed`, [C, M/G, K...] read with reversed kernel indices; `init` is
/// [N, M, O...].
Value buildGroupedConv(OpBuilder &b, Location loc, Value input, Value filter,
                       Value init, int64_t groups, ArrayRef<int64_t> strides,
                       ArrayRef<int64_t> dilations, bool transposed) {
  MLIRContext *ctx = b.getContext();
  auto inType = cast<RankedTensorType>(input.getType());
  auto fType = cast<RankedTensorType>(filter.getType());
  auto outType = cast<RankedTensorType>(init.getType());
  int64_t r = inType.getRank() - 2;
  int64_t channels = inType.getDimSize(1), outChannels = outType.getDimSize(1);
  int64_t cg = channels / groups, mg = outChannels / groups;
  auto split = [](ArrayRef<int64_t> shape, int64_t at, int64_t g, int64_t per) {
    SmallVector<int64_t> result(shape.take_front(at));
    result.append({g, per});
    result.append(shape.begin() + at + 1, shape.end());
    return result;
  };
  auto splitGroups = [&](int64_t at, int64_t rank) {
    SmallVector<ReassociationIndices> groupsOf;
    for (int64_t i = 0; i < rank; ++i) {
      if (i < at)
        groupsOf.push_back({i});
      else if (i == at)
        groupsOf.push_back({i, i + 1});
      else
        groupsOf.push_back({i + 1});
    }
    return groupsOf;
  };
  int64_t rank = inType.getRank();
  Value x = tensor::ExpandShapeOp::create(
      b, loc,
      RankedTensorType::get(split(inType.getShape(), 1, groups, cg),
                            inType.getElementType()),
      input, splitGroups(1, rank));
  Value w = tensor::ExpandShapeOp::create(
      b, loc,
      RankedTensorType::get(
          split(fType.getShape(), 0, groups, transposed ? cg : mg),
          fType.getElementType()),
      filter, splitGroups(0, rank));
  auto groupedOutType = RankedTensorType::get(
      split(outType.getShape(), 1, groups, mg), outType.getElementType());
  Value out = tensor::ExpandShapeOp::create(b, loc, groupedOutType, init,
                                            splitGroups(1, rank));

  // Loops: n, g, mg, o_1..o_r, cg, k_1..k_r.
  int64_t numLoops = 3 + 2 * r + 1;
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  AffineExpr n = d(0), g = d(1), m = d(2), c = d(3 + r);
  SmallVector<AffineExpr> xExprs = {n, g, c}, wExprs, outExprs = {n, g, m};
  wExprs = transposed ? SmallVector<AffineExpr>{g, c, m}
                      : SmallVector<AffineExpr>{g, m, c};
  for (int64_t i = 0; i < r; ++i) {
    AffineExpr o = d(3 + i), k = d(4 + r + i);
    int64_t kernel = fType.getDimSize(2 + i);
    if (transposed)
      xExprs.push_back(o * strides[i] + (kernel - 1) * dilations[i] -
                       k * dilations[i]);
    else
      xExprs.push_back(o * strides[i] + k * dilations[i]);
    wExprs.push_back(k);
    outExprs.push_back(o);
  }
  SmallVector<AffineMap> maps = {AffineMap::get(numLoops, 0, xExprs, ctx),
                                 AffineMap::get(numLoops, 0, wExprs, ctx),
                                 AffineMap::get(numLoops, 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iterators = parallelIterators(3 + r);
  iterators.append(r + 1, utils::IteratorType::reduction);
  Value result =
      linalg::GenericOp::create(
          b, loc, TypeRange{groupedOutType}, ValueRange{x, w}, ValueRange{out},
          maps, iterators,
          [](OpBuilder &nb, Location nloc, ValueRange args) {
            Type acc = args[2].getType();
            auto widen = [&](Value v) {
              return convertScalar(nb, nloc, v, acc, false, false);
            };
            Value mul =
                arith::MulFOp::create(nb, nloc, widen(args[0]), widen(args[1]));
            Value sum = arith::AddFOp::create(nb, nloc, args[2], mul);
            linalg::YieldOp::create(nb, nloc, sum);
          })
          .getResult(0);
  return tensor::CollapseShapeOp::create(b, loc, outType, result,
                                         splitGroups(1, rank));
}

struct ConvLowering : OpConversionPattern<onnx::ConvOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX(), w = adaptor.getW();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    auto wType = dyn_cast<RankedTensorType>(w.getType());
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!xType || !wType || !resultType || xType.getRank() < 3 ||
        wType.getRank() != xType.getRank())
      return rewriter.notifyMatchFailure(op, "expects ranked N-D operands");
    if (!wType.hasStaticShape() || xType.isDynamicDim(1))
      return rewriter.notifyMatchFailure(op, "expects static channels/kernel");
    int64_t groups = op.getGroup();
    int64_t channels = xType.getDimSize(1), outChannels = wType.getDimSize(0);
    if (groups <= 0 || channels % groups || outChannels % groups ||
        wType.getDimSize(1) != channels / groups)
      return rewriter.notifyMatchFailure(op, "inconsistent groups");
    FailureOr<WindowGeometry> geometry = getWindowGeometry(
        rewriter, op, xType, wType.getShape().drop_front(2),
        op.getStridesAttr(), op.getDilationsAttr(), op.getPadsAttr(),
        op.getAutoPad(), /*ceilMode=*/false, resultType);
    if (failed(geometry))
      return failure();
    const WindowGeometry &g = *geometry;
    int64_t r = xType.getRank() - 2;

    Value zero = createScalarConstant(rewriter, loc, xType.getElementType(), 0);
    Value padded = padSpatial(rewriter, loc, x, g.padsBegin, g.padsEnd, zero);
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(rewriter, loc, x, 0),
        rewriter.getIndexAttr(outChannels)};
    for (int64_t i = 0; i < r; ++i)
      sizes.push_back(getWindowOutputSize(
          rewriter, loc, tensor::getMixedSize(rewriter, loc, x, i + 2),
          g.kernel[i], g.strides[i], g.dilations[i],
          g.padsBegin[i] + g.padsEnd[i]));
    // f16/bf16 convs accumulate in f32 (as the ONNX reference and ORT do)
    // and round once at the end; the named ops widen their inputs.
    Type et = resultType.getElementType();
    Type accType = isa<FloatType>(et) && et.getIntOrFloatBitWidth() < 32
                       ? Type(rewriter.getF32Type())
                       : et;
    auto accResultType = RankedTensorType::get(resultType.getShape(), accType);
    Value init =
        createConvInit(rewriter, loc, adaptor.getB(), accResultType, sizes);

    Value result;
    auto i64Attr = [&](ArrayRef<int64_t> v) {
      return rewriter.getI64TensorAttr(v);
    };
    if (r == 2 && groups == 1) {
      result = linalg::Conv2DNchwFchwOp::create(
                   rewriter, loc, TypeRange{accResultType}, ValueRange{padded, w},
                   ValueRange{init}, i64Attr(g.strides), i64Attr(g.dilations))
                   .getResult(0);
    } else if (r == 2 && groups == channels && outChannels == channels) {
      auto fType = RankedTensorType::get(
          {channels, wType.getDimSize(2), wType.getDimSize(3)},
          wType.getElementType());
      Value filter = tensor::CollapseShapeOp::create(
          rewriter, loc, fType, w,
          ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
      result = linalg::DepthwiseConv2DNchwChwOp::create(
                   rewriter, loc, TypeRange{accResultType},
                   ValueRange{padded, filter}, ValueRange{init},
                   i64Attr(g.strides), i64Attr(g.dilations))
                   .getResult(0);
    } else {
      result = buildGroupedConv(rewriter, loc, padded, w, init, groups,
                                g.strides, g.dilations, /*transposed=*/false);
    }
    if (accType != et)
      result = buildInternalBroadcast(
          rewriter, loc, {result}, result, et,
          [&](OpBuilder &nb, Location l, ValueRange args) {
            return convertScalar(nb, l, args[0], et, false, false);
          });
    rewriter.replaceOp(op, result);
    return success();
  }
};

SmallVector<int64_t> intsOr(std::optional<ArrayAttr> attr, size_t n,
                            int64_t dflt) {
  if (!attr || !*attr)
    return SmallVector<int64_t>(n, dflt);
  SmallVector<int64_t> v;
  for (Attribute a : *attr)
    v.push_back(cast<IntegerAttr>(a).getInt());
  return v;
}

struct ConvTransposeLowering : OpConversionPattern<onnx::ConvTransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ConvTransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX(), w = adaptor.getW();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    auto wType = dyn_cast<RankedTensorType>(w.getType());
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!xType || !wType || !resultType || xType.getRank() < 3 ||
        wType.getRank() != xType.getRank() || !wType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "expects static-kernel operands");
    int64_t r = xType.getRank() - 2;
    for (int64_t i = 0; i < r; ++i)
      if (xType.isDynamicDim(i + 2))
        return rewriter.notifyMatchFailure(op, "dynamic spatial dims");
    int64_t groups = op.getGroup();
    int64_t channels = wType.getDimSize(0);
    int64_t outChannels = wType.getDimSize(1) * groups;
    if (groups <= 0 || channels % groups || xType.getDimSize(1) != channels)
      return rewriter.notifyMatchFailure(op, "inconsistent groups");
    SmallVector<int64_t> strides = intsOr(op.getStrides(), r, 1);
    SmallVector<int64_t> dilations = intsOr(op.getDilations(), r, 1);
    SmallVector<int64_t> outPad = intsOr(op.getOutputPadding(), r, 0);
    SmallVector<int64_t> pads = intsOr(op.getPads(), 2 * r, 0);
    SmallVector<int64_t> outShape = intsOr(op.getOutputShape(), 0, 0);
    if (strides.size() != (size_t)r || dilations.size() != (size_t)r ||
        outPad.size() != (size_t)r || pads.size() != (size_t)(2 * r))
      return rewriter.notifyMatchFailure(op, "attributes of wrong size");
    StringRef autoPad = op.getAutoPad();
    SmallVector<int64_t> in, kernel, outSize;
    for (int64_t i = 0; i < r; ++i) {
      in.push_back(xType.getDimSize(i + 2));
      kernel.push_back(wType.getDimSize(i + 2));
      int64_t full = strides[i] * (in[i] - 1) + outPad[i] +
                     (kernel[i] - 1) * dilations[i] + 1;
      bool same = autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
      if (!outShape.empty() || same) {
        int64_t target = !outShape.empty()
                             ? outShape[outShape.size() - r + i]
                             : in[i] * strides[i];
        int64_t total = full - target;
        bool upper = autoPad != "SAME_LOWER";
        pads[i] = upper ? total / 2 : total - total / 2;
        pads[i + r] = total - pads[i];
      } else if (autoPad == "VALID") {
        pads[i] = pads[i + r] = 0;
      }
      outSize.push_back(full - pads[i] - pads[i + r]);
    }

    // Dilate the input by the strides (zeros between elements), then pad so
    // that a stride-1 convolution with the reversed kernel gives the output.
    Type elementType = xType.getElementType();
    Value zero = createScalarConstant(rewriter, loc, elementType, 0);
    Value dilated = x;
    if (llvm::any_of(strides, [](int64_t s) { return s != 1; })) {
      SmallVector<int64_t> shape(xType.getShape());
      SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, x);
      SmallVector<OpFoldResult> offsets(r + 2, rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> steps(2, rewriter.getIndexAttr(1));
      SmallVector<OpFoldResult> bigSizes(sizes.begin(), sizes.begin() + 2);
      for (int64_t i = 0; i < r; ++i) {
        shape[i + 2] = (in[i] - 1) * strides[i] + 1;
        bigSizes.push_back(rewriter.getIndexAttr(shape[i + 2]));
        steps.push_back(rewriter.getIndexAttr(strides[i]));
      }
      auto bigType = RankedTensorType::get(shape, elementType);
      Value zeros = createFilled(rewriter, loc, bigType, bigSizes, zero);
      dilated = tensor::InsertSliceOp::create(rewriter, loc, x, zeros, offsets,
                                              sizes, steps);
    }
    SmallVector<int64_t> padBegin, padEnd;
    for (int64_t i = 0; i < r; ++i) {
      padBegin.push_back((kernel[i] - 1) * dilations[i] - pads[i]);
      padEnd.push_back((kernel[i] - 1) * dilations[i] - pads[i + r] + outPad[i]);
      if (padBegin.back() < 0 || padEnd.back() < 0)
        return rewriter.notifyMatchFailure(op, "pads larger than the kernel");
    }
    Value padded = padSpatial(rewriter, loc, dilated, padBegin, padEnd, zero);
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(rewriter, loc, x, 0),
        rewriter.getIndexAttr(outChannels)};
    for (int64_t s : outSize)
      sizes.push_back(rewriter.getIndexAttr(s));
    SmallVector<int64_t> shape = {xType.getDimSize(0), outChannels};
    shape.append(outSize.begin(), outSize.end());
    auto outType = RankedTensorType::get(shape, elementType);
    Value init = createConvInit(rewriter, loc, adaptor.getB(), outType, sizes);
    SmallVector<int64_t> ones(r, 1);
    Value result = buildGroupedConv(rewriter, loc, padded, w, init, groups,
                                    ones, dilations, /*transposed=*/true);
    if (outType != resultType)
      result = tensor::CastOp::create(rewriter, loc, resultType, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// 2-D DeformConv: a grouped convolution whose taps read the input at the
/// kernel position moved by the per-output offsets (bilinear, zero outside
/// the image, as GridSample with align_corners and zeros padding), scaled
/// by the optional mask. One generic over (N, M, OH, OW) with reduction
/// dims over the group's input channels and the kernel; the offsets, the
/// mask and the input are read with tensor.extract.
struct DeformConvLowering : OpConversionPattern<onnx::DeformConvOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::DeformConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX(), w = adaptor.getW();
    Value offset = adaptor.getOffset(), mask = adaptor.getMask();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    auto wType = dyn_cast<RankedTensorType>(w.getType());
    auto offType = dyn_cast<RankedTensorType>(offset.getType());
    RankedTensorType type = getConvertedResultType(*getTypeConverter(), op);
    if (!xType || !wType || !offType || !type || xType.getRank() != 4 ||
        wType.getRank() != 4 || offType.getRank() != 4 ||
        !isa<FloatType>(xType.getElementType()))
      return rewriter.notifyMatchFailure(op, "expects 2-D NCHW floats");
    bool hasMask = !isa<NoneType>(mask.getType());
    if (hasMask && !isa<RankedTensorType>(mask.getType()))
      return rewriter.notifyMatchFailure(op, "unranked mask");
    int64_t groups = op.getGroup(), offsetGroups = op.getOffsetGroup();
    int64_t channels = xType.getDimSize(1), outChannels = wType.getDimSize(0);
    int64_t groupChannels = wType.getDimSize(1);
    SmallVector<int64_t> kernel = intsOr(op.getKernelShape(), 2, 0);
    if (!op.getKernelShape())
      kernel = {wType.getDimSize(2), wType.getDimSize(3)};
    SmallVector<int64_t> strides = intsOr(op.getStrides(), 2, 1);
    SmallVector<int64_t> dilations = intsOr(op.getDilations(), 2, 1);
    SmallVector<int64_t> pads = intsOr(op.getPads(), 4, 0);
    if (ShapedType::isDynamic(channels) || ShapedType::isDynamic(outChannels) ||
        ShapedType::isDynamic(groupChannels) || groups < 1 ||
        offsetGroups < 1 || channels != groupChannels * groups ||
        outChannels % groups || channels % offsetGroups || kernel.size() != 2 ||
        strides.size() != 2 || dilations.size() != 2 || pads.size() != 4 ||
        kernel[0] != wType.getDimSize(2) || kernel[1] != wType.getDimSize(3) ||
        offType.getDimSize(1) != offsetGroups * kernel[0] * kernel[1] * 2 ||
        (hasMask && cast<RankedTensorType>(mask.getType()).getDimSize(1) !=
                        offsetGroups * kernel[0] * kernel[1]))
      return rewriter.notifyMatchFailure(op, "inconsistent shapes/attributes");
    int64_t outPerGroup = outChannels / groups;
    int64_t perOffsetGroup = channels / offsetGroups;
    Type elementType = xType.getElementType();
    MLIRContext *ctx = rewriter.getContext();
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    // Dims: n, m, oh, ow | cg, kh, kw.
    SmallVector<AffineMap> maps = {
        AffineMap::get(7, 0, {d(1), d(4), d(5), d(6)}, ctx),
        AffineMap::get(7, 0, {d(0), d(1), d(2), d(3)}, ctx)};
    SmallVector<utils::IteratorType> iterators = parallelIterators(4);
    iterators.append(3, utils::IteratorType::reduction);
    SmallVector<OpFoldResult> sizes = {getDimValue(rewriter, loc, x, 0),
                                       rewriter.getIndexAttr(outChannels),
                                       getDimValue(rewriter, loc, offset, 2),
                                       getDimValue(rewriter, loc, offset, 3)};
    Value init = createConvInit(rewriter, loc, adaptor.getB(), type, sizes);
    Value height = getDimValue(rewriter, loc, x, 2);
    Value width = getDimValue(rewriter, loc, x, 3);
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{type}, ValueRange{w}, ValueRange{init},
            maps, iterators,
            [&](OpBuilder &b, Location l, ValueRange args) {
              auto index = [&](int64_t i) -> Value {
                return linalg::IndexOp::create(b, l, i);
              };
              auto cIdx = [&](int64_t v) -> Value {
                return arith::ConstantIndexOp::create(b, l, v);
              };
              auto add = [&](Value p, Value q) -> Value {
                return arith::AddIOp::create(b, l, p, q);
              };
              auto mul = [&](Value p, int64_t q) -> Value {
                return arith::MulIOp::create(b, l, p, cIdx(q));
              };
              auto fAdd = [&](Value p, Value q) -> Value {
                return arith::AddFOp::create(b, l, p, q);
              };
              auto fMul = [&](Value p, Value q) -> Value {
                return arith::MulFOp::create(b, l, p, q);
              };
              auto fConst = [&](double v) {
                return createScalarConstant(b, l, elementType, v);
              };
              auto toFloat = [&](Value i) -> Value {
                return arith::SIToFPOp::create(
                    b, l, elementType,
                    arith::IndexCastOp::create(b, l, b.getI64Type(), i));
              };
              Value n = index(0), m = index(1), oh = index(2), ow = index(3);
              Value cg = index(4), kh = index(5), kw = index(6);
              Value group = arith::DivUIOp::create(b, l, m, cIdx(outPerGroup));
              Value ic = add(mul(group, groupChannels), cg);
              Value og = arith::DivUIOp::create(b, l, ic, cIdx(perOffsetGroup));
              Value tapIndex =
                  add(mul(add(mul(og, kernel[0]), kh), kernel[1]), kw);
              Value offY = tensor::ExtractOp::create(
                  b, l, offset, ValueRange{n, mul(tapIndex, 2), oh, ow});
              Value offX = tensor::ExtractOp::create(
                  b, l, offset,
                  ValueRange{n, add(mul(tapIndex, 2), cIdx(1)), oh, ow});
              // Sampling position: the kernel tap plus its offset.
              Value py = fAdd(
                  toFloat(arith::SubIOp::create(
                      b, l, add(mul(oh, strides[0]), mul(kh, dilations[0])),
                      cIdx(pads[0]))),
                  offY);
              Value px = fAdd(
                  toFloat(arith::SubIOp::create(
                      b, l, add(mul(ow, strides[1]), mul(kw, dilations[1])),
                      cIdx(pads[1]))),
                  offX);
              Value y0f = math::FloorOp::create(b, l, py);
              Value x0f = math::FloorOp::create(b, l, px);
              Value ly = arith::SubFOp::create(b, l, py, y0f);
              Value lx = arith::SubFOp::create(b, l, px, x0f);
              Value y0 = arith::FPToSIOp::create(b, l, b.getI64Type(), y0f);
              Value x0 = arith::FPToSIOp::create(b, l, b.getI64Type(), x0f);
              auto tap = [&](Value base, int64_t delta, Value size,
                             Value &inBounds) -> Value {
                Value i = arith::IndexCastOp::create(
                    b, l, b.getIndexType(),
                    arith::AddIOp::create(
                        b, l, base,
                        createScalarConstant(b, l, b.getI64Type(), delta)));
                inBounds = arith::AndIOp::create(
                    b, l,
                    arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, i,
                                          cIdx(0)),
                    arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, i,
                                          size));
                return arith::SelectOp::create(b, l, inBounds, i, cIdx(0));
              };
              Value sample = fConst(0);
              for (int64_t dy = 0; dy < 2; ++dy) {
                Value yOk;
                Value yi = tap(y0, dy, height, yOk);
                Value wy = dy ? ly : arith::SubFOp::create(b, l, fConst(1), ly);
                for (int64_t dx = 0; dx < 2; ++dx) {
                  Value xOk;
                  Value xi = tap(x0, dx, width, xOk);
                  Value wx =
                      dx ? lx : arith::SubFOp::create(b, l, fConst(1), lx);
                  Value v = tensor::ExtractOp::create(
                      b, l, x, ValueRange{n, ic, yi, xi});
                  Value ok = arith::AndIOp::create(b, l, yOk, xOk);
                  v = arith::SelectOp::create(b, l, ok, v, fConst(0));
                  sample = fAdd(sample, fMul(fMul(wy, wx), v));
                }
              }
              Value term = fMul(sample, args[0]);
              if (hasMask)
                term = fMul(term,
                            tensor::ExtractOp::create(
                                b, l, mask, ValueRange{n, tapIndex, oh, ow}));
              linalg::YieldOp::create(b, l, fAdd(args[1], term));
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// CausalConvWithState: the input is concatenated after past_state (or k - 1
/// zeros) along the length; a depthwise valid conv over that [B, C, k-1+L]
/// sequence is one generic accumulating in f32 for f16/bf16 (as the
/// reference does); the bias is added and the result rounded to the element
/// type before the optional SiLU, which runs in f32. present_state is the
/// last k - 1 positions of the concatenated sequence.
struct CausalConvWithStateLowering
    : OpConversionPattern<onnx::CausalConvWithStateOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::CausalConvWithStateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput(), w = adaptor.getWeight(),
          bias = adaptor.getBias(), past = adaptor.getPastState();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    auto wType = dyn_cast<RankedTensorType>(w.getType());
    if (!xType || !wType || !xType.hasStaticShape() ||
        !wType.hasStaticShape() || xType.getRank() != 3 ||
        wType.getRank() != 3)
      return rewriter.notifyMatchFailure(op, "expects static 3-D operands");
    Type et = xType.getElementType();
    int64_t batch = xType.getDimSize(0), channels = xType.getDimSize(1),
            length = xType.getDimSize(2), k = wType.getDimSize(2);
    if (wType.getElementType() != et || wType.getDimSize(0) != channels ||
        wType.getDimSize(1) != 1 || k < 1)
      return rewriter.notifyMatchFailure(op, "weight must be (channels, 1, k)");
    bool hasBias = !isa<NoneType>(bias.getType());
    if (hasBias) {
      auto bType = dyn_cast<RankedTensorType>(bias.getType());
      if (!bType || bType.getRank() != 1 || bType.getElementType() != et ||
          bType.getDimSize(0) != channels)
        return rewriter.notifyMatchFailure(op, "bias must be (channels)");
    }
    auto stateType = RankedTensorType::get({batch, channels, k - 1}, et);
    bool hasPast = !isa<NoneType>(past.getType());
    if (hasPast && past.getType() != stateType)
      return rewriter.notifyMatchFailure(
          op, "past_state must be (batch, channels, k - 1)");
    StringRef activation = op.getActivation();
    bool silu = activation == "silu" || activation == "swish";
    if (!silu && activation != "none")
      return rewriter.notifyMatchFailure(op, "unknown activation");
    RankedTensorType outType = getConvertedResultType(*getTypeConverter(), op);
    RankedTensorType presentType =
        getConvertedResultType(*getTypeConverter(), op, 1);
    if (outType != xType || presentType != stateType)
      return rewriter.notifyMatchFailure(op, "result types");

    // The concatenated sequence [B, C, k - 1 + L].
    auto paddedType =
        RankedTensorType::get({batch, channels, k - 1 + length}, et);
    Value padded =
        hasPast ? tensor::EmptyOp::create(rewriter, loc, paddedType.getShape(),
                                          et)
                      .getResult()
                : createFilled(rewriter, loc, paddedType, {},
                               createScalarConstant(rewriter, loc, et, 0));
    auto zeros = SmallVector<OpFoldResult>(3, rewriter.getIndexAttr(0));
    auto ones = SmallVector<OpFoldResult>(3, rewriter.getIndexAttr(1));
    auto sizesOf = [&](RankedTensorType t) {
      SmallVector<OpFoldResult> sizes;
      for (int64_t d : t.getShape())
        sizes.push_back(rewriter.getIndexAttr(d));
      return sizes;
    };
    auto at = [&](int64_t offset) {
      SmallVector<OpFoldResult> offsets(zeros);
      offsets[2] = rewriter.getIndexAttr(offset);
      return offsets;
    };
    if (hasPast)
      padded = tensor::InsertSliceOp::create(rewriter, loc, past, padded,
                                             zeros, sizesOf(stateType), ones);
    padded = tensor::InsertSliceOp::create(rewriter, loc, x, padded, at(k - 1),
                                           sizesOf(xType), ones);

    // out[b, c, l] = sum_j padded[b, c, l + j] * weight[c, 0, j].
    Type accType = et.getIntOrFloatBitWidth() < 32 ? rewriter.getF32Type() : et;
    auto accTensor = RankedTensorType::get(xType.getShape(), accType);
    Value acc = createFilled(rewriter, loc, accTensor, {},
                             createScalarConstant(rewriter, loc, accType, 0));
    AffineExpr b = getAffineDimExpr(0, ctx), c = getAffineDimExpr(1, ctx),
               l = getAffineDimExpr(2, ctx), j = getAffineDimExpr(3, ctx);
    SmallVector<utils::IteratorType> iterators = parallelIterators(3);
    iterators.push_back(utils::IteratorType::reduction);
    auto widen = [&](OpBuilder &nb, Location nl, Value v) -> Value {
      return v.getType() == accType
                 ? v
                 : arith::ExtFOp::create(nb, nl, accType, v).getResult();
    };
    acc = linalg::GenericOp::create(
              rewriter, loc, TypeRange{accTensor}, ValueRange{padded, w},
              ValueRange{acc},
              ArrayRef<AffineMap>{
                  AffineMap::get(4, 0, {b, c, l + j}, ctx),
                  AffineMap::get(4, 0, {c, getAffineConstantExpr(0, ctx), j},
                                 ctx),
                  AffineMap::get(4, 0, {b, c, l}, ctx)},
              iterators,
              [&](OpBuilder &nb, Location nl, ValueRange args) {
                Value p = arith::MulFOp::create(nb, nl, widen(nb, nl, args[0]),
                                                widen(nb, nl, args[1]));
                linalg::YieldOp::create(
                    nb, nl,
                    ValueRange{arith::AddFOp::create(nb, nl, args[2], p)});
              })
              .getResult(0);

    // Bias, rounding to the element type, then SiLU in f32.
    SmallVector<Value> inputs = {acc};
    SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(3, ctx)};
    if (hasBias) {
      inputs.push_back(bias);
      maps.push_back(AffineMap::get(3, 0, {getAffineDimExpr(1, ctx)}, ctx));
    }
    maps.push_back(AffineMap::getMultiDimIdentityMap(3, ctx));
    Value outInit = tensor::EmptyOp::create(rewriter, loc, xType.getShape(), et);
    Value out =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{xType}, inputs, ValueRange{outInit}, maps,
            parallelIterators(3),
            [&](OpBuilder &nb, Location nl, ValueRange args) {
              Value v = args[0];
              if (hasBias)
                v = arith::AddFOp::create(nb, nl, v, widen(nb, nl, args[1]));
              if (accType != et)
                v = arith::TruncFOp::create(nb, nl, et, v);
              if (silu) {
                Type f32 = nb.getF32Type();
                Value f = et == f32 ? v : arith::ExtFOp::create(nb, nl, f32, v);
                Value one = createScalarConstant(nb, nl, f32, 1);
                Value sig = arith::DivFOp::create(
                    nb, nl, one,
                    arith::AddFOp::create(
                        nb, nl, one,
                        math::ExpOp::create(
                            nb, nl, arith::NegFOp::create(nb, nl, f))));
                v = arith::MulFOp::create(nb, nl, f, sig);
                if (et != f32)
                  v = arith::TruncFOp::create(nb, nl, et, v);
              }
              linalg::YieldOp::create(nb, nl, ValueRange{v});
            })
            .getResult(0);

    // k = 1 carries no state (an empty slice at offset L is out of bounds).
    Value present =
        k == 1 ? tensor::EmptyOp::create(rewriter, loc, stateType.getShape(), et)
                     .getResult()
               : tensor::ExtractSliceOp::create(rewriter, loc, stateType,
                                                padded, at(length),
                                                sizesOf(stateType), ones)
                     .getResult();
    rewriter.replaceOp(op, {out, present});
    return success();
  }
};

} // namespace

void populateOnnxConvToLinalgPatterns(TypeConverter &converter,
                                      RewritePatternSet &patterns) {
  patterns.add<ConvLowering, ConvTransposeLowering, DeformConvLowering,
               CausalConvWithStateLowering>(converter, patterns.getContext());
}

} // namespace kiln
