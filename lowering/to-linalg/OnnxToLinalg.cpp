//===- OnnxToLinalg.cpp - Type converter and the set of all patterns ------===//
//
// The type conversion of the onnx -> linalg lowering and the function that
// collects the patterns of every op family.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"
#include "lowering/to-linalg/Patterns.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace kiln {

OnnxToLinalgTypeConverter::OnnxToLinalgTypeConverter() {
  addConversion([](Type type) { return type; });
  addConversion([](IntegerType type) -> Type {
    if (type.isSignless())
      return type;
    return IntegerType::get(type.getContext(), type.getWidth());
  });
  // A string element is a `const char *` in the C API: an i64 here, which
  // the string ops pass to the runtime's helpers (runtime/kiln_strings.c).
  addConversion([](onnx::StringType type) -> Type {
    return IntegerType::get(type.getContext(), 64);
  });
  addConversion([this](RankedTensorType type) -> Type {
    Type element = convertType(type.getElementType());
    if (!element)
      return nullptr;
    return RankedTensorType::get(type.getShape(), element);
  });
  auto cast = [](OpBuilder &b, Type type, ValueRange inputs,
                 Location loc) -> Value {
    return UnrealizedConversionCastOp::create(b, loc, type, inputs)
        .getResult(0);
  };
  addSourceMaterialization(cast);
  addTargetMaterialization(cast);
}

void populateOnnxToLinalgPatterns(TypeConverter &converter,
                                  RewritePatternSet &patterns) {
  populateOnnxElementwiseToLinalgPatterns(converter, patterns);
  populateOnnxMatMulToLinalgPatterns(converter, patterns);
  populateOnnxConvToLinalgPatterns(converter, patterns);
  populateOnnxPoolingToLinalgPatterns(converter, patterns);
  populateOnnxNormalizationToLinalgPatterns(converter, patterns);
  populateOnnxReductionToLinalgPatterns(converter, patterns);
  populateOnnxSoftmaxToLinalgPatterns(converter, patterns);
  populateOnnxAttentionToLinalgPatterns(converter, patterns);
  populateOnnxRotaryEmbeddingToLinalgPatterns(converter, patterns);
  populateOnnxLinearAttentionToLinalgPatterns(converter, patterns);
  populateOnnxLossToLinalgPatterns(converter, patterns);
  populateOnnxShapeToLinalgPatterns(converter, patterns);
  populateOnnxRandomToLinalgPatterns(converter, patterns);
  populateOnnxDataMovementToLinalgPatterns(converter, patterns);
  populateOnnxPadToLinalgPatterns(converter, patterns);
  populateOnnxResizeToLinalgPatterns(converter, patterns);
  populateOnnxSamplingToLinalgPatterns(converter, patterns);
  populateOnnxTopKToLinalgPatterns(converter, patterns);
  populateOnnxScatterToLinalgPatterns(converter, patterns);
  populateOnnxEinsumToLinalgPatterns(converter, patterns);
  populateOnnxWindowToLinalgPatterns(converter, patterns);
  populateOnnxSpectralToLinalgPatterns(converter, patterns);
  populateOnnxTextToLinalgPatterns(converter, patterns);
  populateOnnxTriangularToLinalgPatterns(converter, patterns);
  populateOnnxScanToLinalgPatterns(converter, patterns);
  populateOnnxDepthSpaceToLinalgPatterns(converter, patterns);
  populateOnnxQuantizeToLinalgPatterns(converter, patterns);
  populateOnnxIntegerLinearToLinalgPatterns(converter, patterns);
  populateOnnxControlFlowToLinalgPatterns(converter, patterns);
  populateOnnxRecurrentToLinalgPatterns(converter, patterns);
  populateOnnxDataDependentToLinalgPatterns(converter, patterns);
}

} // namespace kiln
