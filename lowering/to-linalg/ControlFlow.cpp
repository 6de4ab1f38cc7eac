//===- ControlFlow.cpp - onnx If/Scan -> scf around linalg ----------------===//
//
// If becomes scf.if on the extracted condition, its branches inlined. Scan
// becomes an scf.for over the scanned dim whose iter_args are the state
// variables and the stacked scan outputs; the body runs in an
// scf.execute_region (it has no block arguments, so the body block is
// inlined with its arguments replaced by the sliced scan inputs and the
// states), and each scan output element is inserted at its position after
// it. Loop becomes scf.while (scf.for when it has scan outputs and a
// constant trip count; with a run-time count the scan outputs are buffers
// that double when full, cut to the iteration count at the end). onnx.Yield becomes scf.yield, cast to the
// parent's result types. The pass inlines the execute_regions once the
// conversion is done.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"
#include "lowering/to-linalg/Utils.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace kiln {
namespace {

/// `value` cast to `type` when their static shapes differ (tensor.cast
/// between compatible shapes).
FailureOr<Value> castTo(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  auto from = dyn_cast<RankedTensorType>(value.getType());
  auto to = dyn_cast<RankedTensorType>(type);
  if (!from || !to || from.getElementType() != to.getElementType() ||
      !tensor::CastOp::areCastCompatible(from, to))
    return failure();
  return tensor::CastOp::create(b, loc, to, value).getResult();
}

/// The converted ranked types of `op`'s results, or failure.
FailureOr<SmallVector<Type>> convertResults(const TypeConverter &converter,
                                            Operation *op) {
  SmallVector<Type> types;
  for (Type t : op->getResultTypes()) {
    auto converted =
        dyn_cast_or_null<RankedTensorType>(converter.convertType(t));
    if (!converted)
      return failure();
    types.push_back(converted);
  }
  return types;
}

struct IfLowering : OpConversionPattern<onnx::IfOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::IfOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    FailureOr<SmallVector<Type>> types =
        convertResults(*getTypeConverter(), op);
    if (failed(types))
      return rewriter.notifyMatchFailure(op, "expects ranked tensor results");
    auto condType = dyn_cast<RankedTensorType>(adaptor.getCond().getType());
    if (!condType || condType.getNumElements() != 1)
      return rewriter.notifyMatchFailure(op, "expects a one-element cond");
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    SmallVector<Value> indices(condType.getRank(), zero);
    Value cond =
        tensor::ExtractOp::create(rewriter, loc, adaptor.getCond(), indices);
    auto ifOp = scf::IfOp::create(rewriter, loc, *types, cond,
                                  /*addThenBlock=*/false,
                                  /*addElseBlock=*/false);
    rewriter.inlineRegionBefore(op.getThenBranch(), ifOp.getThenRegion(),
                                ifOp.getThenRegion().end());
    rewriter.inlineRegionBefore(op.getElseBranch(), ifOp.getElseRegion(),
                                ifOp.getElseRegion().end());
    rewriter.replaceOp(op, ifOp.getResults());
    return success();
  }
};

/// The iteration count of a scan: dim `axis` of `input`.
struct ScanInput {
  Value value;
  int64_t axis;
  bool reverse;
};

struct ScanLowering : OpConversionPattern<onnx::ScanOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ScanOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    const TypeConverter &converter = *getTypeConverter();
    ValueRange inputs = adaptor.getInitialStateAndScanInputs();
    int64_t numScan = op.getNumScanInputs();
    int64_t numState = static_cast<int64_t>(inputs.size()) - numScan;
    int64_t numOutputs = op->getNumResults() - numState;
    Block &body = op.getBody().front();
    if (numScan < 1 || numState < 0 || numOutputs < 0 ||
        body.getNumArguments() != inputs.size())
      return rewriter.notifyMatchFailure(op, "malformed scan");
    FailureOr<SmallVector<Type>> resultTypes = convertResults(converter, op);
    if (failed(resultTypes))
      return rewriter.notifyMatchFailure(op, "expects ranked tensor results");
    SmallVector<Type> argTypes;
    for (BlockArgument arg : body.getArguments()) {
      auto t = dyn_cast_or_null<RankedTensorType>(
          converter.convertType(arg.getType()));
      if (!t)
        return rewriter.notifyMatchFailure(op, "expects ranked body types");
      argTypes.push_back(t);
    }
    auto attrAt = [](std::optional<ArrayAttr> attr, int64_t k) -> int64_t {
      if (!attr || k >= static_cast<int64_t>(attr->size()))
        return 0;
      return cast<IntegerAttr>((*attr)[k]).getInt();
    };

    SmallVector<ScanInput> scanInputs;
    for (int64_t k = 0; k < numScan; ++k) {
      Value v = inputs[numState + k];
      auto t = dyn_cast<RankedTensorType>(v.getType());
      if (!t)
        return rewriter.notifyMatchFailure(op, "expects ranked scan inputs");
      FailureOr<int64_t> axis =
          normalizeAxis(attrAt(op.getScanInputAxes(), k), t.getRank());
      if (failed(axis))
        return rewriter.notifyMatchFailure(op, "scan input axis out of range");
      scanInputs.push_back(
          {v, *axis, attrAt(op.getScanInputDirections(), k) != 0});
    }
    Value length =
        getDimValue(rewriter, loc, scanInputs[0].value, scanInputs[0].axis);

    // Loop-carried: the states (with the op's result types) and the
    // stacked outputs.
    SmallVector<Value> inits;
    for (int64_t i = 0; i < numState; ++i) {
      FailureOr<Value> init =
          castTo(rewriter, loc, inputs[i], (*resultTypes)[i]);
      if (failed(init))
        return rewriter.notifyMatchFailure(op, "state type mismatch");
      inits.push_back(*init);
    }
    SmallVector<int64_t> outputAxes;
    for (int64_t k = 0; k < numOutputs; ++k) {
      auto t = cast<RankedTensorType>((*resultTypes)[numState + k]);
      FailureOr<int64_t> axis =
          normalizeAxis(attrAt(op.getScanOutputAxes(), k), t.getRank());
      if (failed(axis))
        return rewriter.notifyMatchFailure(op, "scan output axis out of range");
      outputAxes.push_back(*axis);
      // Dynamic dims: the scanned dim is the iteration count; the others
      // are those of the element type (known static, or refused).
      SmallVector<OpFoldResult> sizes;
      for (int64_t d = 0; d < t.getRank(); ++d) {
        if (!t.isDynamicDim(d)) {
          sizes.push_back(rewriter.getIndexAttr(t.getDimSize(d)));
          continue;
        }
        if (d != *axis)
          return rewriter.notifyMatchFailure(
              op, "scan output element with a dynamic dim");
        sizes.push_back(length);
      }
      inits.push_back(createEmpty(rewriter, loc, t, sizes));
    }

    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    auto forOp = scf::ForOp::create(rewriter, loc, zero, length, one, inits);
    Block *loopBody = forOp.getBody();
    rewriter.setInsertionPointToStart(loopBody);
    Value iv = forOp.getInductionVar();
    Value last = arith::SubIOp::create(rewriter, loc, length, one);
    Value reversed = arith::SubIOp::create(rewriter, loc, last, iv);

    // The body's arguments: the states, then one slice per scan input.
    SmallVector<Value> args;
    for (int64_t i = 0; i < numState; ++i) {
      FailureOr<Value> arg =
          castTo(rewriter, loc, forOp.getRegionIterArgs()[i], argTypes[i]);
      if (failed(arg))
        return rewriter.notifyMatchFailure(op, "state type mismatch");
      args.push_back(*arg);
    }
    for (auto [k, in] : llvm::enumerate(scanInputs)) {
      auto t = cast<RankedTensorType>(in.value.getType());
      Value pos = in.reverse ? reversed : iv;
      SmallVector<OpFoldResult> offsets(t.getRank(), rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, in.value);
      SmallVector<OpFoldResult> strides(t.getRank(), rewriter.getIndexAttr(1));
      offsets[in.axis] = pos;
      sizes[in.axis] = rewriter.getIndexAttr(1);
      SmallVector<int64_t> shape(t.getShape());
      shape.erase(shape.begin() + in.axis);
      auto sliceType = RankedTensorType::get(shape, t.getElementType());
      Value slice = tensor::ExtractSliceOp::create(
          rewriter, loc, sliceType, in.value, offsets, sizes, strides);
      FailureOr<Value> arg =
          castTo(rewriter, loc, slice, argTypes[numState + k]);
      if (failed(arg))
        return rewriter.notifyMatchFailure(op, "scan input type mismatch");
      args.push_back(*arg);
    }

    // The body, producing the new states and this iteration's elements.
    SmallVector<Type> elementTypes;
    for (int64_t i = 0; i < numState; ++i)
      elementTypes.push_back((*resultTypes)[i]);
    for (int64_t k = 0; k < numOutputs; ++k) {
      auto t = cast<RankedTensorType>((*resultTypes)[numState + k]);
      SmallVector<int64_t> shape(t.getShape());
      shape.erase(shape.begin() + outputAxes[k]);
      elementTypes.push_back(RankedTensorType::get(shape, t.getElementType()));
    }
    auto region = scf::ExecuteRegionOp::create(rewriter, loc, elementTypes);
    Block *regionBlock = rewriter.createBlock(&region.getRegion());
    rewriter.inlineBlockBefore(&body, regionBlock, regionBlock->end(), args);
    rewriter.setInsertionPointAfter(region);

    SmallVector<Value> yielded;
    for (int64_t i = 0; i < numState; ++i)
      yielded.push_back(region.getResult(i));
    for (int64_t k = 0; k < numOutputs; ++k) {
      Value element = region.getResult(numState + k);
      Value dest = forOp.getRegionIterArgs()[numState + k];
      auto t = cast<RankedTensorType>(dest.getType());
      bool reverse = attrAt(op.getScanOutputDirections(), k) != 0;
      SmallVector<OpFoldResult> offsets(t.getRank(), rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, dest);
      SmallVector<OpFoldResult> strides(t.getRank(), rewriter.getIndexAttr(1));
      offsets[outputAxes[k]] = reverse ? reversed : iv;
      sizes[outputAxes[k]] = rewriter.getIndexAttr(1);
      yielded.push_back(tensor::InsertSliceOp::create(
          rewriter, loc, element, dest, offsets, sizes, strides));
    }
    scf::YieldOp::create(rewriter, loc, yielded);
    rewriter.replaceOp(op, forOp.getResults());
    return success();
  }
};

/// Loop with scan outputs and a run-time iteration count: an scf.while whose
/// iter_args also carry one buffer per scan output, grown (doubled) when
/// the next element does not fit; the results are the used prefixes, sized
/// by the iteration count (value-sized results).
template <typename Adaptor, typename RunBody, typename Scalar>
LogicalResult
lowerGrowingScanLoop(onnx::LoopOp op, Adaptor adaptor,
                     ConversionPatternRewriter &rewriter,
                     SmallVector<Value> inits, ArrayRef<Type> resultTypes,
                     ArrayRef<Type> elementTypes, RunBody &runBody,
                     Scalar &scalar) {
  Location loc = op.getLoc();
  int64_t numCarried = adaptor.getVInitial().size();
  int64_t numOutputs = op->getNumResults() - numCarried;
  bool hasTrip = !isa<NoneType>(adaptor.getM().getType());
  bool hasCond = !isa<NoneType>(adaptor.getCond().getType());
  SmallVector<RankedTensorType> bufferTypes;
  for (int64_t k = 0; k < numOutputs; ++k) {
    auto element = cast<RankedTensorType>(elementTypes[1 + numCarried + k]);
    if (!element.hasStaticShape())
      return op.emitOpError()
             << "has a scan output of run-time length whose elements have "
                "no static shape; kiln does not support that yet";
    SmallVector<int64_t> shape = {ShapedType::kDynamic};
    llvm::append_range(shape, element.getShape());
    auto type = RankedTensorType::get(shape, element.getElementType());
    bufferTypes.push_back(type);
    SmallVector<OpFoldResult> sizes = {rewriter.getIndexAttr(0)};
    inits.push_back(createEmpty(rewriter, loc, type, sizes));
  }
  // while (i < M && cond) { cond, carried, elements = body(i, cond, carried);
  //                         append elements; ++i }
  Value i0 = arith::ConstantIntOp::create(rewriter, loc, 0, 64);
  Value c0 = hasCond ? scalar(adaptor.getCond())
                     : arith::ConstantIntOp::create(rewriter, loc, 1, 1);
  Value m = hasTrip ? scalar(adaptor.getM()) : Value();
  SmallVector<Value> whileInits = {i0, c0};
  whileInits.append(inits);
  SmallVector<Type> whileTypes(ValueRange(whileInits).getTypes());
  auto whileOp = scf::WhileOp::create(rewriter, loc, whileTypes, whileInits);
  SmallVector<Location> locs(whileTypes.size(), loc);
  Block *before =
      rewriter.createBlock(&whileOp.getBefore(), {}, whileTypes, locs);
  Value proceed = arith::ConstantIntOp::create(rewriter, loc, 1, 1);
  if (m)
    proceed = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::slt,
                                    before->getArgument(0), m);
  if (hasCond)
    proceed =
        arith::AndIOp::create(rewriter, loc, proceed, before->getArgument(1));
  scf::ConditionOp::create(rewriter, loc, proceed, before->getArguments());
  Block *after =
      rewriter.createBlock(&whileOp.getAfter(), {}, whileTypes, locs);
  Value iv = after->getArgument(0);
  FailureOr<ValueRange> results =
      runBody(iv, after->getArgument(1),
              after->getArguments().slice(2, numCarried));
  if (failed(results))
    return rewriter.notifyMatchFailure(op, "body type mismatch");
  Value ivIndex =
      arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), iv);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value two = arith::ConstantIndexOp::create(rewriter, loc, 2);
  SmallVector<Value> yielded = {
      arith::AddIOp::create(rewriter, loc, iv,
                            arith::ConstantIntOp::create(rewriter, loc, 1, 64)),
      scalar((*results)[0])};
  yielded.append((*results).begin() + 1, (*results).begin() + 1 + numCarried);
  for (int64_t k = 0; k < numOutputs; ++k) {
    Value buffer = after->getArgument(2 + numCarried + k);
    RankedTensorType type = bufferTypes[k];
    int64_t rank = type.getRank();
    Value capacity = getDimValue(rewriter, loc, buffer, 0);
    Value full = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::uge,
                                       ivIndex, capacity);
    auto grow = scf::IfOp::create(
        rewriter, loc, full,
        [&](OpBuilder &b, Location l) {
          Value larger = arith::MaxUIOp::create(
              b, l, arith::MulIOp::create(b, l, capacity, two), one);
          SmallVector<OpFoldResult> sizes = getSizes(b, l, buffer);
          sizes[0] = larger;
          Value fresh = createEmpty(b, l, type, sizes);
          sizes[0] = capacity;
          SmallVector<OpFoldResult> zeros(rank, b.getIndexAttr(0));
          SmallVector<OpFoldResult> ones(rank, b.getIndexAttr(1));
          Value copied = tensor::InsertSliceOp::create(b, l, buffer, fresh,
                                                       zeros, sizes, ones);
          scf::YieldOp::create(b, l, ValueRange{copied});
        },
        [&](OpBuilder &b, Location l) {
          scf::YieldOp::create(b, l, ValueRange{buffer});
        });
    Value grown = grow.getResult(0);
    SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, grown);
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    offsets[0] = ivIndex;
    sizes[0] = rewriter.getIndexAttr(1);
    yielded.push_back(tensor::InsertSliceOp::create(
        rewriter, loc, (*results)[1 + numCarried + k], grown, offsets, sizes,
        strides));
  }
  scf::YieldOp::create(rewriter, loc, yielded);
  rewriter.setInsertionPointAfter(whileOp);
  Value count = arith::IndexCastOp::create(
      rewriter, loc, rewriter.getIndexType(), whileOp.getResult(0));
  SmallVector<Value> replacements;
  llvm::append_range(replacements, whileOp.getResults().slice(2, numCarried));
  for (int64_t k = 0; k < numOutputs; ++k) {
    Value buffer = whileOp.getResult(2 + numCarried + k);
    int64_t rank = bufferTypes[k].getRank();
    SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, buffer);
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    sizes[0] = count;
    Value used = tensor::ExtractSliceOp::create(rewriter, loc, buffer, offsets,
                                                sizes, strides);
    FailureOr<Value> cast =
        castTo(rewriter, loc, used, resultTypes[numCarried + k]);
    if (failed(cast))
      return rewriter.notifyMatchFailure(op, "scan output type mismatch");
    replacements.push_back(*cast);
  }
  rewriter.replaceOp(op, replacements);
  return success();
}

/// Loop: scf.while carrying the iteration number, the condition and the
/// loop-carried values; the body runs in an scf.execute_region. With scan
/// outputs, a constant trip count and no condition input (the condition the
/// body yields is then ignored) make it an scf.for stacking each output
/// element like Scan; otherwise the output size is only known after running
/// and lowerGrowingScanLoop appends to growing buffers.
struct LoopLowering : OpConversionPattern<onnx::LoopOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::LoopOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    const TypeConverter &converter = *getTypeConverter();
    ValueRange initial = adaptor.getVInitial();
    int64_t numCarried = initial.size();
    int64_t numOutputs = op->getNumResults() - numCarried;
    Block &body = op.getBody().front();
    if (numOutputs < 0 || body.getNumArguments() != 2 + initial.size())
      return rewriter.notifyMatchFailure(op, "malformed loop");
    FailureOr<SmallVector<Type>> resultTypes = convertResults(converter, op);
    if (failed(resultTypes))
      return rewriter.notifyMatchFailure(op, "expects ranked tensor results");
    SmallVector<Type> argTypes;
    for (BlockArgument arg : body.getArguments()) {
      auto t = dyn_cast_or_null<RankedTensorType>(
          converter.convertType(arg.getType()));
      if (!t)
        return rewriter.notifyMatchFailure(op, "expects ranked body types");
      argTypes.push_back(t);
    }
    bool hasTrip = !isa<NoneType>(adaptor.getM().getType());
    bool hasCond = !isa<NoneType>(adaptor.getCond().getType());
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    auto scalar = [&](Value tensor) -> Value {
      auto t = cast<RankedTensorType>(tensor.getType());
      SmallVector<Value> indices(t.getRank(), zero);
      return tensor::ExtractOp::create(rewriter, loc, tensor, indices);
    };
    SmallVector<Value> inits;
    for (int64_t i = 0; i < numCarried; ++i) {
      FailureOr<Value> init =
          castTo(rewriter, loc, initial[i], (*resultTypes)[i]);
      if (failed(init))
        return rewriter.notifyMatchFailure(op, "carried type mismatch");
      inits.push_back(*init);
    }
    // The body's element types: the condition, the carried values, then
    // one element per scan output.
    SmallVector<Type> elementTypes = {argTypes[1]};
    for (int64_t i = 0; i < numCarried; ++i)
      elementTypes.push_back((*resultTypes)[i]);
    for (int64_t k = 0; k < numOutputs; ++k) {
      auto t = cast<RankedTensorType>((*resultTypes)[numCarried + k]);
      elementTypes.push_back(
          RankedTensorType::get(t.getShape().drop_front(), t.getElementType()));
    }
    // Runs the body for iteration `iv` (i64) and condition `cond` (i1) on
    // `carried`; returns its results.
    auto runBody = [&](Value iv, Value cond,
                       ValueRange carried) -> FailureOr<ValueRange> {
      SmallVector<Value> args = {
          tensor::FromElementsOp::create(
              rewriter, loc, RankedTensorType::get({}, rewriter.getI64Type()),
              iv),
          tensor::FromElementsOp::create(
              rewriter, loc, RankedTensorType::get({}, rewriter.getI1Type()),
              cond)};
      for (int64_t i = 0; i < 2 + numCarried; ++i) {
        Value v = i < 2 ? args[i] : carried[i - 2];
        FailureOr<Value> arg = castTo(rewriter, loc, v, argTypes[i]);
        if (failed(arg))
          return failure();
        if (i < 2)
          args[i] = *arg;
        else
          args.push_back(*arg);
      }
      auto region = scf::ExecuteRegionOp::create(rewriter, loc, elementTypes);
      Block *block = rewriter.createBlock(&region.getRegion());
      rewriter.inlineBlockBefore(&body, block, block->end(), args);
      rewriter.setInsertionPointAfter(region);
      return ValueRange(region.getResults());
    };

    if (numOutputs > 0) {
      FailureOr<SmallVector<int64_t>> trip =
          hasTrip ? getConstantInts(adaptor.getM())
                  : FailureOr<SmallVector<int64_t>>(failure());
      if (failed(trip) || trip->size() != 1 || (*trip)[0] < 0 || hasCond)
        return lowerGrowingScanLoop(op, adaptor, rewriter, inits,
                                    *resultTypes, elementTypes, runBody,
                                    scalar);
      int64_t count = (*trip)[0];
      for (int64_t k = 0; k < numOutputs; ++k) {
        auto t = cast<RankedTensorType>((*resultTypes)[numCarried + k]);
        if (!t.hasStaticShape() || t.getDimSize(0) != count)
          return rewriter.notifyMatchFailure(op, "scan output shape");
        inits.push_back(tensor::EmptyOp::create(rewriter, loc, t.getShape(),
                                                t.getElementType()));
      }
      Value upper = arith::ConstantIndexOp::create(rewriter, loc, count);
      Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
      auto forOp = scf::ForOp::create(rewriter, loc, zero, upper, one, inits);
      rewriter.setInsertionPointToStart(forOp.getBody());
      Value iv = forOp.getInductionVar();
      Value iv64 =
          arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), iv);
      Value yes = arith::ConstantIntOp::create(rewriter, loc, 1, 1);
      FailureOr<ValueRange> results =
          runBody(iv64, yes, forOp.getRegionIterArgs().take_front(numCarried));
      if (failed(results))
        return rewriter.notifyMatchFailure(op, "body type mismatch");
      SmallVector<Value> yielded((*results).slice(1, numCarried));
      for (int64_t k = 0; k < numOutputs; ++k) {
        Value dest = forOp.getRegionIterArgs()[numCarried + k];
        auto t = cast<RankedTensorType>(dest.getType());
        SmallVector<OpFoldResult> offsets(t.getRank(),
                                          rewriter.getIndexAttr(0));
        SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, dest);
        SmallVector<OpFoldResult> strides(t.getRank(),
                                          rewriter.getIndexAttr(1));
        offsets[0] = iv;
        sizes[0] = rewriter.getIndexAttr(1);
        yielded.push_back(tensor::InsertSliceOp::create(
            rewriter, loc, (*results)[1 + numCarried + k], dest, offsets, sizes,
            strides));
      }
      scf::YieldOp::create(rewriter, loc, yielded);
      rewriter.replaceOp(op, forOp.getResults());
      return success();
    }

    // while (i < M && cond) { cond, carried = body(i, cond, carried); ++i }
    Value i0 = arith::ConstantIntOp::create(rewriter, loc, 0, 64);
    Value c0 = hasCond ? scalar(adaptor.getCond())
                       : arith::ConstantIntOp::create(rewriter, loc, 1, 1);
    Value m = hasTrip ? scalar(adaptor.getM()) : Value();
    SmallVector<Value> whileInits = {i0, c0};
    whileInits.append(inits);
    SmallVector<Type> whileTypes(ValueRange(whileInits).getTypes());
    auto whileOp = scf::WhileOp::create(rewriter, loc, whileTypes, whileInits);
    SmallVector<Location> locs(whileTypes.size(), loc);
    Block *before =
        rewriter.createBlock(&whileOp.getBefore(), {}, whileTypes, locs);
    Value proceed = arith::ConstantIntOp::create(rewriter, loc, 1, 1);
    if (m)
      proceed = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::slt,
                                      before->getArgument(0), m);
    if (hasCond)
      proceed =
          arith::AndIOp::create(rewriter, loc, proceed, before->getArgument(1));
    scf::ConditionOp::create(rewriter, loc, proceed, before->getArguments());
    Block *after =
        rewriter.createBlock(&whileOp.getAfter(), {}, whileTypes, locs);
    FailureOr<ValueRange> results =
        runBody(after->getArgument(0), after->getArgument(1),
                after->getArguments().drop_front(2));
    if (failed(results))
      return rewriter.notifyMatchFailure(op, "body type mismatch");
    Value next = arith::AddIOp::create(
        rewriter, loc, after->getArgument(0),
        arith::ConstantIntOp::create(rewriter, loc, 1, 64));
    SmallVector<Value> yielded = {next, scalar((*results)[0])};
    yielded.append((*results).begin() + 1, (*results).end());
    scf::YieldOp::create(rewriter, loc, yielded);
    rewriter.replaceOp(op, whileOp.getResults().drop_front(2));
    return success();
  }
};

/// onnx.Yield inside an scf op built by the patterns above: scf.yield of
/// the converted values, cast to the parent's result types.
struct YieldLowering : OpConversionPattern<onnx::YieldOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::YieldOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Operation *parent = op->getParentOp();
    if (!isa<scf::IfOp, scf::ExecuteRegionOp>(parent))
      return rewriter.notifyMatchFailure(op, "parent is not an scf op");
    if (parent->getNumResults() != adaptor.getOperands().size())
      return rewriter.notifyMatchFailure(op, "yield arity mismatch");
    SmallVector<Value> values;
    for (auto [v, t] :
         llvm::zip_equal(adaptor.getOperands(), parent->getResultTypes())) {
      FailureOr<Value> cast = castTo(rewriter, op.getLoc(), v, t);
      if (failed(cast))
        return rewriter.notifyMatchFailure(op, "yielded type mismatch");
      values.push_back(*cast);
    }
    rewriter.replaceOpWithNewOp<scf::YieldOp>(op, values);
    return success();
  }
};

} // namespace

void populateOnnxControlFlowToLinalgPatterns(TypeConverter &converter,
                                             RewritePatternSet &patterns) {
  patterns.add<IfLowering, LoopLowering, ScanLowering, YieldLowering>(
      converter, patterns.getContext());
}

} // namespace kiln
