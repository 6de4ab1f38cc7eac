//===- Utils.cpp - Helpers shared by the onnx -> linalg patterns ----------===//
//
// Broadcasting generics, reductions, constants, casts and unit-dim reshapes
// used by every op family of the onnx -> linalg lowering.
//
//===----------------------------------------------------------------------===//

#include "lowering/to-linalg/Utils.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/NarrowFloat.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace kiln {

bool isUnsignedElement(Type type) {
  Type elt = getElementTypeOrSelf(type);
  auto intType = dyn_cast<IntegerType>(elt);
  return intType && intType.isUnsigned();
}

StringRef getDimSymbol(Type type, int64_t dim) {
  auto tensorType = dyn_cast<RankedTensorType>(type);
  if (!tensorType)
    return "";
  auto dims = dyn_cast_or_null<onnx::DimsAttr>(tensorType.getEncoding());
  if (!dims || dim < 0 || dim >= (int64_t)dims.getSymbols().size())
    return "";
  auto symbol = dyn_cast<StringAttr>(dims.getSymbols()[dim]);
  return symbol ? symbol.getValue() : "";
}

FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
    return failure();
  return axis < 0 ? axis + rank : axis;
}

/// The ElementsAttr behind a constant value, looking through the casts the
/// conversion inserts.
static ElementsAttr getConstantElements(Value value) {
  while (auto cast = value.getDefiningOp<UnrealizedConversionCastOp>()) {
    if (cast.getInputs().size() != 1)
      break;
    value = cast.getInputs()[0];
  }
  Attribute attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return nullptr;
  return dyn_cast<ElementsAttr>(attr);
}

FailureOr<SmallVector<int64_t>> getConstantInts(Value value) {
  ElementsAttr attr = getConstantElements(value);
  if (!attr || !isa<IntegerType>(attr.getElementType()))
    return failure();
  auto values = attr.tryGetValues<APInt>();
  if (!values)
    return failure();
  SmallVector<int64_t> result;
  bool isUnsigned = attr.getElementType().isUnsignedInteger();
  for (APInt v : *values)
    result.push_back(isUnsigned ? (int64_t)v.getZExtValue() : v.getSExtValue());
  return result;
}

FailureOr<SmallVector<double>> getConstantFloats(Value value) {
  ElementsAttr attr = getConstantElements(value);
  if (!attr)
    return failure();
  SmallVector<double> result;
  if (isa<FloatType>(attr.getElementType())) {
    auto values = attr.tryGetValues<APFloat>();
    if (!values)
      return failure();
    for (APFloat v : *values)
      result.push_back(v.convertToDouble());
    return result;
  }
  FailureOr<SmallVector<int64_t>> ints = getConstantInts(value);
  if (failed(ints))
    return failure();
  for (int64_t v : *ints)
    result.push_back((double)v);
  return result;
}

Value createScalarConstant(OpBuilder &b, Location loc, Type type,
                           double value) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, value));
  if (type.isIndex())
    return arith::ConstantIndexOp::create(b, loc, (int64_t)value);
  return arith::ConstantOp::create(b, loc,
                                   b.getIntegerAttr(type, (int64_t)value));
}

static Value createExtremeValue(OpBuilder &b, Location loc, Type type,
                                bool isUnsigned, bool highest) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(floatType,
                       APFloat::getInf(floatType.getFloatSemantics(),
                                       /*Negative=*/!highest)));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt v = isUnsigned || width == 1
                ? (highest ? APInt::getMaxValue(width) : APInt::getMinValue(width))
                : (highest ? APInt::getSignedMaxValue(width)
                           : APInt::getSignedMinValue(width));
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, v));
}

Value createLowestValue(OpBuilder &b, Location loc, Type type,
                        bool isUnsigned) {
  return createExtremeValue(b, loc, type, isUnsigned, /*highest=*/false);
}

Value createHighestValue(OpBuilder &b, Location loc, Type type,
                         bool isUnsigned) {
  return createExtremeValue(b, loc, type, isUnsigned, /*highest=*/true);
}

Value convertScalar(OpBuilder &b, Location loc, Value value, Type dstType,
                    bool srcUnsigned, bool dstUnsigned) {
  Type srcType = value.getType();
  if (srcType == dstType)
    return value;
  // float8/float4 go through f32 with bit manipulation (saturating).
  if (isNarrowFloat(srcType)) {
    Value wide = extendNarrowFloat(b, loc, value, b.getF32Type());
    return convertScalar(b, loc, wide, dstType, false, dstUnsigned);
  }
  if (isNarrowFloat(dstType)) {
    Value wide = convertScalar(b, loc, value, b.getF32Type(), srcUnsigned,
                               /*dstUnsigned=*/false);
    return truncateToNarrowFloat(b, loc, wide, cast<FloatType>(dstType));
  }
  auto srcFloat = dyn_cast<FloatType>(srcType);
  auto dstFloat = dyn_cast<FloatType>(dstType);
  if (srcFloat && dstFloat) {
    if (srcFloat.getWidth() < dstFloat.getWidth())
      return arith::ExtFOp::create(b, loc, dstType, value);
    if (srcFloat.getWidth() > dstFloat.getWidth())
      return arith::TruncFOp::create(b, loc, dstType, value);
    // Same width, different format (f16 <-> bf16): go through f32.
    Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), value);
    return arith::TruncFOp::create(b, loc, dstType, wide);
  }
  if (dstFloat) {
    if (srcUnsigned || srcType.isInteger(1))
      return arith::UIToFPOp::create(b, loc, dstType, value);
    return arith::SIToFPOp::create(b, loc, dstType, value);
  }
  unsigned dstWidth = dstType.getIntOrFloatBitWidth();
  if (srcFloat) {
    Value zero = createScalarConstant(b, loc, srcType, 0.0);
    if (dstWidth == 1)
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, value,
                                   zero);
    // Sub-byte integers (INT4/UINT4/INT2/UINT2) wrap around like the ONNX
    // reference: truncate toward zero to i32, then keep the low bits.
    if (dstWidth < 8) {
      Value wide = convertScalar(b, loc, value, b.getI32Type(), srcUnsigned,
                                 /*dstUnsigned=*/false);
      return arith::TruncIOp::create(b, loc, dstType, wide);
    }
    // Saturate out-of-range values and map NaN to 0 instead of producing
    // poison: fptosi/fptoui are undefined outside the target range.
    Value result =
        dstUnsigned ? (Value)arith::FPToUIOp::create(b, loc, dstType, value)
                    : (Value)arith::FPToSIOp::create(b, loc, dstType, value);
    double hi = std::ldexp(1.0, dstUnsigned ? dstWidth : dstWidth - 1);
    double lo = dstUnsigned ? -1.0 : -hi;
    Value hiF = createScalarConstant(b, loc, srcType, hi);
    Value loF = createScalarConstant(b, loc, srcType, lo);
    Value tooHigh =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, value, hiF);
    Value tooLow = arith::CmpFOp::create(
        b, loc,
        dstUnsigned ? arith::CmpFPredicate::OLE : arith::CmpFPredicate::OLT,
        value, loF);
    Value isNan =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, value, value);
    result = arith::SelectOp::create(
        b, loc, tooHigh, createHighestValue(b, loc, dstType, dstUnsigned),
        result);
    result = arith::SelectOp::create(
        b, loc, tooLow, createLowestValue(b, loc, dstType, dstUnsigned),
        result);
    return arith::SelectOp::create(
        b, loc, isNan, createScalarConstant(b, loc, dstType, 0), result);
  }
  unsigned srcWidth = srcType.getIntOrFloatBitWidth();
  if (dstWidth == 1)
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, value,
                                 createScalarConstant(b, loc, srcType, 0));
  if (srcWidth < dstWidth) {
    if (srcUnsigned || srcWidth == 1)
      return arith::ExtUIOp::create(b, loc, dstType, value);
    return arith::ExtSIOp::create(b, loc, dstType, value);
  }
  if (srcWidth > dstWidth)
    return arith::TruncIOp::create(b, loc, dstType, value);
  return value;
}

SmallVector<OpFoldResult> getSizes(OpBuilder &b, Location loc, Value value) {
  return tensor::getMixedSizes(b, loc, value);
}

Value getDimValue(OpBuilder &b, Location loc, Value value, int64_t dim) {
  auto type = cast<RankedTensorType>(value.getType());
  if (!type.isDynamicDim(dim))
    return arith::ConstantIndexOp::create(b, loc, type.getDimSize(dim));
  return tensor::DimOp::create(b, loc, value, dim);
}

Value createEmpty(OpBuilder &b, Location loc, RankedTensorType type,
                  ArrayRef<OpFoldResult> sizes) {
  SmallVector<Value> dynamic;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      dynamic.push_back(getValueOrCreateConstantIndexOp(b, loc, sizes[i]));
  return tensor::EmptyOp::create(b, loc, type.getShape(),
                                 type.getElementType(), dynamic);
}

Value createFilled(OpBuilder &b, Location loc, RankedTensorType type,
                   ArrayRef<OpFoldResult> sizes, Value value) {
  Value empty = createEmpty(b, loc, type, sizes);
  return linalg::FillOp::create(b, loc, ValueRange{value}, ValueRange{empty})
      .getResult(0);
}

SmallVector<utils::IteratorType> parallelIterators(unsigned n) {
  return SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel);
}

namespace {
/// How one input dim maps onto the result dim it is aligned with.
enum class DimKind { Same, Broadcast, Runtime };
} // namespace

Value buildBroadcastGeneric(OpBuilder &b, Location loc,
                            ArrayRef<Value> inputs, ArrayRef<Type> origTypes,
                            RankedTensorType resultType, Type origResultType,
                            ScalarBodyFn body,
                            ArrayRef<OpFoldResult> resultSizes,
                            bool knownEqual) {
  int64_t rank = resultType.getRank();
  MLIRContext *ctx = b.getContext();
  auto inputType = [&](size_t j) {
    return cast<RankedTensorType>(inputs[j].getType());
  };
  // Input j's dim aligned with result dim i, or -1 when it has none.
  auto alignedDim = [&](size_t j, int64_t i) -> int64_t {
    int64_t k = i - (rank - inputType(j).getRank());
    return k;
  };

  // Result sizes; remember which input a dynamic size came from.
  SmallVector<OpFoldResult> sizes(rank);
  SmallVector<int64_t> sizeSource(rank, -1);
  for (int64_t i = 0; i < rank; ++i) {
    if (!resultType.isDynamicDim(i)) {
      sizes[i] = b.getIndexAttr(resultType.getDimSize(i));
      continue;
    }
    if (!resultSizes.empty()) {
      sizes[i] = resultSizes[i];
      continue;
    }
    StringRef resultSymbol = getDimSymbol(origResultType, i);
    SmallVector<size_t> candidates;
    for (size_t j = 0; j < inputs.size(); ++j) {
      if (!inputs[j])
        continue;
      int64_t k = alignedDim(j, i);
      if (k < 0 || inputType(j).getDimSize(k) == 1)
        continue;
      if (!inputType(j).isDynamicDim(k)) {
        sizes[i] = b.getIndexAttr(inputType(j).getDimSize(k));
        break;
      }
      candidates.push_back(j);
    }
    if (sizes[i])
      continue;
    if (candidates.empty()) {
      sizes[i] = b.getIndexAttr(1);
      continue;
    }
    size_t chosen = candidates.front();
    for (size_t j : candidates)
      if (!resultSymbol.empty() &&
          getDimSymbol(origTypes[j], alignedDim(j, i)) == resultSymbol)
        chosen = j;
    sizeSource[i] = chosen;
    Value size = getDimValue(b, loc, inputs[chosen], alignedDim(chosen, i));
    StringRef chosenSymbol = getDimSymbol(origTypes[chosen], alignedDim(chosen, i));
    for (size_t j : candidates) {
      StringRef symbol = getDimSymbol(origTypes[j], alignedDim(j, i));
      if (j == chosen || (!symbol.empty() && symbol == chosenSymbol))
        continue;
      // Unknown relation: the result is the larger one (the other is 1).
      size = arith::MaxUIOp::create(
          b, loc, size, getDimValue(b, loc, inputs[j], alignedDim(j, i)));
      sizeSource[i] = -1;
    }
    sizes[i] = size;
  }

  // Classify the dims of every input.
  SmallVector<SmallVector<DimKind>> kinds(inputs.size());
  SmallVector<bool> isRuntime(inputs.size(), false);
  for (size_t j = 0; j < inputs.size(); ++j) {
    if (!inputs[j])
      continue;
    RankedTensorType type = inputType(j);
    for (int64_t k = 0; k < type.getRank(); ++k) {
      int64_t i = k + rank - type.getRank();
      DimKind kind = DimKind::Same;
      if (type.getDimSize(k) == 1) {
        kind = resultType.getDimSize(i) == 1 ? DimKind::Same
                                             : DimKind::Broadcast;
      } else if (type.isDynamicDim(k) && resultType.getDimSize(i) != 1) {
        StringRef symbol = getDimSymbol(origTypes[j], k);
        int64_t source = sizeSource[i];
        bool proven =
            knownEqual || source == (int64_t)j ||
            (!symbol.empty() && symbol == getDimSymbol(origResultType, i)) ||
            (source >= 0 && !symbol.empty() &&
             symbol == getDimSymbol(origTypes[source],
                                    alignedDim(source, i)));
        if (!proven && resultType.isDynamicDim(i) && sizeSource[i] < 0) {
          // The size is the max over all candidates: only one candidate
          // means it is exactly this dim.
          proven = true;
          for (size_t other = 0; other < inputs.size(); ++other) {
            if (other == j || !inputs[other])
              continue;
            int64_t ko = alignedDim(other, i);
            if (ko >= 0 && inputType(other).getDimSize(ko) != 1)
              proven = false;
          }
        }
        if (!proven)
          kind = DimKind::Runtime;
      }
      kinds[j].push_back(kind);
      isRuntime[j] = isRuntime[j] || kind == DimKind::Runtime;
    }
  }

  // Inputs whose broadcast is known at compile time become `ins` operands;
  // the others are read with tensor.extract at run-time-chosen indices.
  SmallVector<Value> ins;
  SmallVector<AffineMap> maps;
  SmallVector<int64_t> insPosition(inputs.size(), -1);
  for (size_t j = 0; j < inputs.size(); ++j) {
    if (!inputs[j] || isRuntime[j])
      continue;
    SmallVector<AffineExpr> exprs;
    int64_t offset = rank - inputType(j).getRank();
    for (auto [k, kind] : llvm::enumerate(kinds[j]))
      exprs.push_back(kind == DimKind::Broadcast
                          ? getAffineConstantExpr(0, ctx)
                          : getAffineDimExpr(k + offset, ctx));
    insPosition[j] = ins.size();
    ins.push_back(inputs[j]);
    maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  // Dims of runtime-broadcast inputs, computed outside the loop nest.
  SmallVector<SmallVector<Value>> runtimeDims(inputs.size());
  for (size_t j = 0; j < inputs.size(); ++j)
    if (inputs[j] && isRuntime[j])
      for (int64_t k = 0; k < inputType(j).getRank(); ++k)
        runtimeDims[j].push_back(kinds[j][k] == DimKind::Runtime
                                     ? getDimValue(b, loc, inputs[j], k)
                                     : Value());

  Value init = createEmpty(b, loc, resultType, sizes);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ins, ValueRange{init}, maps,
      parallelIterators(rank), [&](OpBuilder &nb, Location nloc, ValueRange args) {
        SmallVector<Value> scalars;
        for (size_t j = 0; j < inputs.size(); ++j) {
          if (!inputs[j]) {
            scalars.push_back(Value());
            continue;
          }
          if (!isRuntime[j]) {
            scalars.push_back(args[insPosition[j]]);
            continue;
          }
          SmallVector<Value> indices;
          int64_t offset = rank - inputType(j).getRank();
          Value zero = arith::ConstantIndexOp::create(nb, nloc, 0);
          Value one = arith::ConstantIndexOp::create(nb, nloc, 1);
          for (auto [k, kind] : llvm::enumerate(kinds[j])) {
            if (kind == DimKind::Broadcast) {
              indices.push_back(zero);
              continue;
            }
            Value index = linalg::IndexOp::create(nb, nloc, k + offset);
            if (kind == DimKind::Runtime) {
              Value isOne = arith::CmpIOp::create(
                  nb, nloc, arith::CmpIPredicate::eq, runtimeDims[j][k], one);
              index = arith::SelectOp::create(nb, nloc, isOne, zero, index);
            }
            indices.push_back(index);
          }
          scalars.push_back(
              tensor::ExtractOp::create(nb, nloc, inputs[j], indices));
        }
        Value result = body(nb, nloc, scalars);
        linalg::YieldOp::create(nb, nloc, result);
      });
  return generic.getResult(0);
}

Value buildInternalBroadcast(OpBuilder &b, Location loc,
                             ArrayRef<Value> inputs, Value resultLike,
                             Type resultElementType, ScalarBodyFn body) {
  auto likeType = cast<RankedTensorType>(resultLike.getType());
  auto type = RankedTensorType::get(likeType.getShape(), resultElementType);
  SmallVector<Type> types;
  for (Value v : inputs)
    types.push_back(v ? v.getType() : Type());
  return buildBroadcastGeneric(b, loc, inputs, types, type, type, body,
                               getSizes(b, loc, resultLike),
                               /*knownEqual=*/true);
}

Type getAccumulationType(Type elementType) {
  auto ft = dyn_cast<FloatType>(elementType);
  if (ft && ft.getWidth() < 32 && (ft.isF16() || ft.isBF16()))
    return Float32Type::get(elementType.getContext());
  return elementType;
}

Value castElements(OpBuilder &b, Location loc, Value value, Type elementType) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getElementType() == elementType)
    return value;
  return buildInternalBroadcast(
      b, loc, {value}, value, elementType,
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        return convertScalar(nb, l, args[0], elementType, false, false);
      });
}

Value buildReduction(OpBuilder &b, Location loc, Value input,
                     ArrayRef<int64_t> axes, Value init, ScalarBodyFn combine) {
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t rank = inputType.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> sizes;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  SmallVector<OpFoldResult> inputSizes = getSizes(b, loc, input);
  for (int64_t i = 0; i < rank; ++i) {
    if (llvm::is_contained(axes, i)) {
      iterators.push_back(utils::IteratorType::reduction);
      continue;
    }
    iterators.push_back(utils::IteratorType::parallel);
    shape.push_back(inputType.getDimSize(i));
    sizes.push_back(inputSizes[i]);
    outExprs.push_back(getAffineDimExpr(i, ctx));
  }
  auto outType = RankedTensorType::get(shape, init.getType());
  Value filled = createFilled(b, loc, outType, sizes, init);
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx),
                                 AffineMap::get(rank, 0, outExprs, ctx)};
  return linalg::GenericOp::create(
             b, loc, TypeRange{outType}, ValueRange{input}, ValueRange{filled},
             maps, iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               linalg::YieldOp::create(nb, nloc, combine(nb, nloc, args));
             })
      .getResult(0);
}

/// Groups the dims of the higher-rank shape around the kept (non-unit)
/// dims: unit dims join the next kept dim, trailing ones the last.
static SmallVector<ReassociationIndices>
unitDimReassociation(ArrayRef<bool> isUnit) {
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices pending;
  for (auto [i, unit] : llvm::enumerate(isUnit)) {
    pending.push_back(i);
    if (!unit) {
      groups.push_back(pending);
      pending.clear();
    }
  }
  if (!pending.empty() && !groups.empty())
    groups.back().append(pending.begin(), pending.end());
  return groups;
}

void emitRuntimeCheck(OpBuilder &b, Operation *op, Value ok,
                      const Twine &what) {
  std::string node;
  Location loc = op->getLoc();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    if (!fused.getLocations().empty())
      loc = fused.getLocations().front();
  if (auto name = dyn_cast<NameLoc>(loc))
    node = name.getName().str();
  std::string message = (op->getName().getStringRef() + ": " + what).str();
  if (!node.empty())
    message += " (node '" + node + "')";
  cf::AssertOp::create(b, op->getLoc(), ok, message);
}

Value buildAxesMask(OpBuilder &b, Location loc, Value axes, int64_t rank) {
  Type i64 = b.getI64Type();
  auto cst = [&](int64_t v) {
    return arith::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v))
        .getResult();
  };
  Value zeroIdx = arith::ConstantIndexOp::create(b, loc, 0);
  Value oneIdx = arith::ConstantIndexOp::create(b, loc, 1);
  Value n = getDimValue(b, loc, axes, 0);
  Value rankV = cst(rank), zero = cst(0), one = cst(1);
  Value bad = cst(int64_t(1) << rank);
  auto loop = scf::ForOp::create(
      b, loc, zeroIdx, n, oneIdx, ValueRange{zero},
      [&](OpBuilder &lb, Location l, Value i, ValueRange iter) {
        Value a = tensor::ExtractOp::create(lb, l, axes, ValueRange{i});
        if (a.getType() != i64)
          a = arith::ExtSIOp::create(lb, l, i64, a);
        Value neg =
            arith::CmpIOp::create(lb, l, arith::CmpIPredicate::slt, a, zero);
        Value norm = arith::SelectOp::create(
            lb, l, neg, arith::AddIOp::create(lb, l, a, rankV), a);
        Value inRange = arith::AndIOp::create(
            lb, l,
            arith::CmpIOp::create(lb, l, arith::CmpIPredicate::sge, norm, zero),
            arith::CmpIOp::create(lb, l, arith::CmpIPredicate::slt, norm,
                                  rankV));
        Value safe = arith::SelectOp::create(lb, l, inRange, norm, zero);
        Value bit = arith::ShLIOp::create(lb, l, one, safe);
        Value fresh = arith::CmpIOp::create(
            lb, l, arith::CmpIPredicate::eq,
            arith::AndIOp::create(lb, l, iter[0], bit), zero);
        Value ok = arith::AndIOp::create(lb, l, inRange, fresh);
        Value next = arith::OrIOp::create(
            lb, l, iter[0], arith::SelectOp::create(lb, l, ok, bit, bad));
        scf::YieldOp::create(lb, l, next);
      });
  return arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                    loop.getResult(0));
}

Value buildMaskSwitch(OpBuilder &b, Operation *op, Value mask,
                      ArrayRef<int64_t> candidates,
                      RankedTensorType resultType,
                      function_ref<Value(OpBuilder &, int64_t)> build,
                      const Twine &what) {
  Location loc = op->getLoc();
  auto switchOp = scf::IndexSwitchOp::create(
      b, loc, TypeRange{resultType}, mask, candidates, candidates.size());
  for (auto [i, candidate] : llvm::enumerate(candidates)) {
    Block &block = switchOp.getCaseRegions()[i].emplaceBlock();
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&block);
    Value value = build(b, candidate);
    if (value.getType() != resultType)
      value = tensor::CastOp::create(b, loc, resultType, value);
    scf::YieldOp::create(b, loc, value);
  }
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&switchOp.getDefaultRegion().emplaceBlock());
  emitRuntimeCheck(b, op, arith::ConstantIntOp::create(b, loc, 0, 1), what);
  SmallVector<Value> dynSizes(resultType.getNumDynamicDims(),
                              arith::ConstantIndexOp::create(b, loc, 0));
  Value empty = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                        resultType.getElementType(), dynSizes);
  scf::YieldOp::create(b, loc, empty);
  return switchOp.getResult(0);
}

Value expandUnitDims(OpBuilder &b, Location loc, Value value,
                     RankedTensorType resultType, ArrayRef<bool> isUnit) {
  auto srcType = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape;
  int64_t src = 0;
  for (bool unit : isUnit)
    shape.push_back(unit ? 1 : srcType.getDimSize(src++));
  auto type = RankedTensorType::get(shape, srcType.getElementType());
  Value result = tensor::ExpandShapeOp::create(b, loc, type, value,
                                               unitDimReassociation(isUnit));
  if (type != resultType)
    result = tensor::CastOp::create(b, loc, resultType, result);
  return result;
}

Value collapseUnitDims(OpBuilder &b, Location loc, Value value,
                       RankedTensorType resultType, ArrayRef<bool> isUnit) {
  auto srcType = cast<RankedTensorType>(value.getType());
  // A dynamic dim that is about to be dropped is 1 at run time.
  SmallVector<int64_t> staticShape(srcType.getShape());
  for (auto [i, unit] : llvm::enumerate(isUnit))
    if (unit)
      staticShape[i] = 1;
  auto staticType = RankedTensorType::get(staticShape, srcType.getElementType());
  if (staticType != srcType)
    value = tensor::CastOp::create(b, loc, staticType, value);
  SmallVector<int64_t> shape;
  for (auto [i, unit] : llvm::enumerate(isUnit))
    if (!unit)
      shape.push_back(staticShape[i]);
  auto type = RankedTensorType::get(shape, srcType.getElementType());
  Value result = tensor::CollapseShapeOp::create(b, loc, type, value,
                                                 unitDimReassociation(isUnit));
  if (type != resultType)
    result = tensor::CastOp::create(b, loc, resultType, result);
  return result;
}

Value getProduct(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes) {
  int64_t staticProduct = 1;
  Value dynamic;
  for (OpFoldResult size : sizes) {
    if (std::optional<int64_t> c = getConstantIntValue(size)) {
      staticProduct *= *c;
      continue;
    }
    Value v = cast<Value>(size);
    dynamic = dynamic ? (Value)arith::MulIOp::create(b, loc, dynamic, v) : v;
  }
  Value c = arith::ConstantIndexOp::create(b, loc, staticProduct);
  return dynamic ? (Value)arith::MulIOp::create(b, loc, dynamic, c) : c;
}

RankedTensorType getConvertedResultType(const TypeConverter &tc, Operation *op,
                                        unsigned index) {
  return dyn_cast_or_null<RankedTensorType>(
      tc.convertType(op->getResult(index).getType()));
}

} // namespace kiln

namespace kiln {

static SmallVector<int64_t> intsOr(ArrayAttr attr, size_t n, int64_t dflt) {
  SmallVector<int64_t> values;
  if (!attr)
    return SmallVector<int64_t>(n, dflt);
  for (Attribute a : attr)
    values.push_back(cast<IntegerAttr>(a).getInt());
  return values;
}

FailureOr<WindowGeometry>
getWindowGeometry(RewriterBase &rewriter, Operation *op,
                  RankedTensorType inputType, ArrayRef<int64_t> kernel,
                  ArrayAttr strides, ArrayAttr dilations, ArrayAttr pads,
                  StringRef autoPad, bool ceilMode,
                  RankedTensorType resultType) {
  size_t n = inputType.getRank() - 2;
  WindowGeometry g;
  g.kernel.assign(kernel.begin(), kernel.end());
  g.strides = intsOr(strides, n, 1);
  g.dilations = intsOr(dilations, n, 1);
  SmallVector<int64_t> padValues = intsOr(pads, 2 * n, 0);
  if (g.kernel.size() != n || g.strides.size() != n ||
      g.dilations.size() != n || padValues.size() != 2 * n)
    return rewriter.notifyMatchFailure(op, "window attributes of wrong size");
  for (size_t i = 0; i < n; ++i)
    if (g.strides[i] <= 0 || g.dilations[i] <= 0 || g.kernel[i] <= 0 ||
        padValues[i] < 0 || padValues[i + n] < 0)
      return rewriter.notifyMatchFailure(op, "invalid window attributes");
  g.padsBegin.assign(padValues.begin(), padValues.begin() + n);
  g.padsEnd.assign(padValues.begin() + n, padValues.end());
  if (autoPad == "VALID") {
    g.padsBegin.assign(n, 0);
    g.padsEnd.assign(n, 0);
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (size_t i = 0; i < n; ++i) {
      int64_t in = inputType.getDimSize(i + 2);
      if (ShapedType::isDynamic(in))
        return rewriter.notifyMatchFailure(op, "SAME padding of dynamic dim");
      int64_t out = (in + g.strides[i] - 1) / g.strides[i];
      int64_t total = std::max<int64_t>(
          0, (out - 1) * g.strides[i] + (g.kernel[i] - 1) * g.dilations[i] +
                 1 - in);
      int64_t small = total / 2;
      g.padsBegin[i] = autoPad == "SAME_UPPER" ? small : total - small;
      g.padsEnd[i] = total - g.padsBegin[i];
    }
  } else if (autoPad != "NOTSET") {
    return rewriter.notifyMatchFailure(op, "unknown auto_pad");
  }
  if (ceilMode) {
    for (size_t i = 0; i < n; ++i) {
      int64_t in = inputType.getDimSize(i + 2);
      if (ShapedType::isDynamic(in))
        return rewriter.notifyMatchFailure(op, "ceil_mode with dynamic dim");
      int64_t window = (g.kernel[i] - 1) * g.dilations[i] + 1;
      int64_t span = in + g.padsBegin[i] + g.padsEnd[i] - window;
      int64_t out = (span + g.strides[i] - 1) / g.strides[i] + 1;
      // The last window must start inside the input or its left padding.
      if ((out - 1) * g.strides[i] >= in + g.padsBegin[i])
        --out;
      if (!resultType.isDynamicDim(i + 2))
        out = resultType.getDimSize(i + 2);
      int64_t needed = (out - 1) * g.strides[i] + window;
      g.padsEnd[i] += std::max<int64_t>(0, needed - (in + g.padsBegin[i] +
                                                     g.padsEnd[i]));
    }
  }
  return g;
}

OpFoldResult getWindowOutputSize(OpBuilder &b, Location loc, OpFoldResult in,
                                 int64_t kernel, int64_t stride,
                                 int64_t dilation, int64_t padsTotal) {
  int64_t window = (kernel - 1) * dilation + 1;
  if (std::optional<int64_t> c = getConstantIntValue(in))
    return b.getIndexAttr((*c + padsTotal - window) / stride + 1);
  Value v = cast<Value>(in);
  Value span = arith::AddIOp::create(
      b, loc, v,
      arith::ConstantIndexOp::create(b, loc, padsTotal - window));
  Value q = arith::DivSIOp::create(
      b, loc, span, arith::ConstantIndexOp::create(b, loc, stride));
  return arith::AddIOp::create(b, loc, q,
                               arith::ConstantIndexOp::create(b, loc, 1))
      .getResult();
}

Value padSpatial(OpBuilder &b, Location loc, Value input,
                 ArrayRef<int64_t> padsBegin, ArrayRef<int64_t> padsEnd,
                 Value padValue) {
  if (llvm::all_of(padsBegin, [](int64_t p) { return p == 0; }) &&
      llvm::all_of(padsEnd, [](int64_t p) { return p == 0; }))
    return input;
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape(type.getShape());
  SmallVector<OpFoldResult> low(2, b.getIndexAttr(0)),
      high(2, b.getIndexAttr(0));
  for (size_t i = 0; i < padsBegin.size(); ++i) {
    if (!ShapedType::isDynamic(shape[i + 2]))
      shape[i + 2] += padsBegin[i] + padsEnd[i];
    low.push_back(b.getIndexAttr(padsBegin[i]));
    high.push_back(b.getIndexAttr(padsEnd[i]));
  }
  auto padType = RankedTensorType::get(shape, type.getElementType());
  return tensor::PadOp::create(b, loc, padType, input, low, high, padValue);
}

} // namespace kiln

namespace kiln {
Value restoreReducedDims(OpBuilder &b, Location loc, Value reduced,
                         RankedTensorType fullType, ArrayRef<int64_t> axes) {
  SmallVector<bool> isUnit(fullType.getRank(), false);
  SmallVector<int64_t> shape(fullType.getShape());
  for (int64_t a : axes) {
    isUnit[a] = true;
    shape[a] = 1;
  }
  auto type = RankedTensorType::get(
      shape, cast<RankedTensorType>(reduced.getType()).getElementType());
  return expandUnitDims(b, loc, reduced, type, isUnit);
}
} // namespace kiln

namespace kiln {
OpFoldResult addSizes(OpBuilder &b, Location loc, OpFoldResult lhs,
                      OpFoldResult rhs) {
  std::optional<int64_t> l = getConstantIntValue(lhs);
  std::optional<int64_t> r = getConstantIntValue(rhs);
  if (l && r)
    return b.getIndexAttr(*l + *r);
  return arith::AddIOp::create(b, loc,
                               getValueOrCreateConstantIndexOp(b, loc, lhs),
                               getValueOrCreateConstantIndexOp(b, loc, rhs))
      .getResult();
}
} // namespace kiln

namespace kiln {
std::pair<Value, Value> buildArgReduction(OpBuilder &b, Location loc,
                                          Value data, int64_t axis, bool isMax,
                                          bool last, bool isUnsigned) {
  auto type = cast<RankedTensorType>(data.getType());
  Type elementType = type.getElementType();
  bool isFloat = isa<FloatType>(elementType);
  int64_t rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> sizes, in = getSizes(b, loc, data);
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t i = 0; i < rank; ++i) {
    if (i == axis) {
      iterators.push_back(utils::IteratorType::reduction);
      continue;
    }
    iterators.push_back(utils::IteratorType::parallel);
    shape.push_back(type.getDimSize(i));
    sizes.push_back(in[i]);
    outExprs.push_back(getAffineDimExpr(i, ctx));
  }
  auto valueType = RankedTensorType::get(shape, elementType);
  auto indexType = RankedTensorType::get(shape, b.getI64Type());
  Value values =
      createFilled(b, loc, valueType, sizes,
                   isMax ? createLowestValue(b, loc, elementType, isUnsigned)
                         : createHighestValue(b, loc, elementType, isUnsigned));
  Value indices = createFilled(b, loc, indexType, sizes,
                               createScalarConstant(b, loc, b.getI64Type(), 0));
  AffineMap outMap = AffineMap::get(rank, 0, outExprs, ctx);
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx),
                                 outMap, outMap};
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{valueType, indexType}, ValueRange{data},
      ValueRange{values, indices}, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value x = args[0], best = args[1], bestIndex = args[2];
        Value index = arith::IndexCastOp::create(
            nb, l, nb.getI64Type(), linalg::IndexOp::create(nb, l, axis));
        Value better;
        if (isFloat) {
          better =
              arith::CmpFOp::create(nb, l,
                                    isMax ? (last ? arith::CmpFPredicate::OGE
                                                  : arith::CmpFPredicate::OGT)
                                          : (last ? arith::CmpFPredicate::OLE
                                                  : arith::CmpFPredicate::OLT),
                                    x, best);
        } else {
          using P = arith::CmpIPredicate;
          P pred = isMax ? (last ? (isUnsigned ? P::uge : P::sge)
                                 : (isUnsigned ? P::ugt : P::sgt))
                         : (last ? (isUnsigned ? P::ule : P::sle)
                                 : (isUnsigned ? P::ult : P::slt));
          better = arith::CmpIOp::create(nb, l, pred, x, best);
        }
        // The first element always wins (the init is only a sentinel).
        Value isFirst = arith::CmpIOp::create(
            nb, l, arith::CmpIPredicate::eq, index,
            createScalarConstant(nb, l, nb.getI64Type(), 0));
        better = arith::OrIOp::create(nb, l, better, isFirst);
        linalg::YieldOp::create(
            nb, l,
            ValueRange{
                arith::SelectOp::create(nb, l, better, x, best),
                arith::SelectOp::create(nb, l, better, index, bestIndex)});
      });
  return {generic.getResult(0), generic.getResult(1)};
}
} // namespace kiln
