//===- OnnxDialect.cpp - onnx dialect registration, types, attributes -----===//
//
// Registers the dialect and holds the C++ of its hand-written parts: the
// type and attribute definitions, the constant materializer and the folders
// of the structural ops. The generated op definitions are compiled in
// shards (OnnxOpsShard*.cpp) so the build can spread them over cores.
//
//===----------------------------------------------------------------------===//

#include "dialect/OnnxDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace kiln::onnx;

#include "dialect/OnnxDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialect/OnnxTypes.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/OnnxAttrs.cpp.inc"

void ONNXDialect::initialize() {
  registerONNXDialectOperations(this);
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialect/OnnxTypes.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialect/OnnxAttrs.cpp.inc"
      >();
}

Operation *ONNXDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                            Type type, Location loc) {
  if (isa<NoneType>(type))
    return NoValueOp::create(builder, loc);
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}

LogicalResult DimsAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               ArrayAttr symbols) {
  for (Attribute symbol : symbols)
    if (!isa<StringAttr>(symbol))
      return emitError() << "expects every dimension symbol to be a string, got "
                         << symbol;
  return success();
}

OpFoldResult NoValueOp::fold(FoldAdaptor) { return UnitAttr::get(getContext()); }

OpFoldResult ConstantOp::fold(FoldAdaptor) {
  // Only the normalized form (a `value` tensor) folds; the importer turns
  // every other ONNX Constant form into it.
  if (auto value = getValueAttr())
    return value;
  return {};
}
