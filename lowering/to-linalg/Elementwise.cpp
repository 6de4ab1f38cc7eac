//===- Elementwise.cpp - onnx elementwise ops -> broadcasting generics ----===//
//
// One conversion pattern class serves every row of the elementwise table:
// it converts the operands, builds a linalg.generic with numpy broadcasting
// indexing maps over the result shape, and lets the row build the body.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/ElementwiseTable.h"
#include "lowering/to-linalg/Patterns.h"

using namespace mlir;

namespace kiln {
namespace {

/// Whether linalg/arith can compute on `type` (no float8/float4 or strings).
bool isComputableElement(Type type, bool narrowFloats) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return narrowFloats || floatType.getWidth() >= 16;
  return isa<IntegerType>(type);
}

/// Whether `type` is a tensor of onnx strings (i64 pointers once converted,
/// which only element-moving ops may treat as plain integers).
bool hasStringElements(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  return shaped && isa<onnx::StringType>(shaped.getElementType());
}

/// Lowers one elementwise op (named by its table row) to a linalg.generic.
class ElementwiseOpLowering : public ConversionPattern {
public:
  ElementwiseOpLowering(const TypeConverter &converter, MLIRContext *ctx,
                        const ElementwiseEntry &entry)
      : ConversionPattern(converter, entry.opName, /*benefit=*/1, ctx),
        entry(entry) {}

  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                  ConversionPatternRewriter &rewriter) const override {
    if (op->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "expects one result");
    // String elements are pointers: only selecting them is meaningful here
    // (Equal on strings has its own pattern in Text.cpp).
    if (!isa<onnx::WhereOp, onnx::IdentityOp>(op) &&
        (llvm::any_of(op->getOperandTypes(), hasStringElements) ||
         llvm::any_of(op->getResultTypes(), hasStringElements)))
      return rewriter.notifyMatchFailure(op, "string elements");
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (!resultType || !isComputableElement(resultType.getElementType(),
                                            entry.narrowFloats))
      return rewriter.notifyMatchFailure(op, "unsupported result type");
    SmallVector<Value> inputs;
    Value first;
    if (entry.valueOperands >= 0)
      operands = operands.take_front(entry.valueOperands);
    for (Value operand : operands) {
      if (isa<NoneType>(operand.getType())) {
        inputs.push_back(Value());
        continue;
      }
      auto type = dyn_cast<RankedTensorType>(operand.getType());
      if (!type || !isComputableElement(type.getElementType(), entry.narrowFloats) ||
          type.getRank() > resultType.getRank())
        return rewriter.notifyMatchFailure(op, "unsupported operand type");
      inputs.push_back(operand);
      if (!first)
        first = operand;
    }
    if (!first)
      return rewriter.notifyMatchFailure(op, "no tensor operand");
    if (entry.floatOnly && !isa<FloatType>(getElementTypeOrSelf(first)))
      return rewriter.notifyMatchFailure(op, "expects float operands");

    ElementInfo info;
    info.resultType = resultType.getElementType();
    info.operandType = getElementTypeOrSelf(first.getType());
    info.isUnsigned = isUnsignedElement(op->getOperand(0).getType());
    info.resultUnsigned = isUnsignedElement(op->getResult(0).getType());
    SmallVector<Type> origTypes(
        TypeRange(op->getOperandTypes()).take_front(operands.size()));
    Value result = buildBroadcastGeneric(
        rewriter, op->getLoc(), inputs, origTypes, resultType,
        op->getResult(0).getType(),
        [&](OpBuilder &b, Location loc, ValueRange scalars) {
          return entry.build(b, loc, op, scalars, info);
        });
    rewriter.replaceOp(op, result);
    return success();
  }

private:
  const ElementwiseEntry &entry;
};

} // namespace

void populateOnnxElementwiseToLinalgPatterns(TypeConverter &converter,
                                             RewritePatternSet &patterns) {
  for (ArrayRef<ElementwiseEntry> table :
       {getElementwiseMathEntries(), getElementwiseActivationEntries()})
    for (const ElementwiseEntry &entry : table)
      patterns.add<ElementwiseOpLowering>(converter, patterns.getContext(),
                                          entry);
}

} // namespace kiln
