//===- MlDomain.cpp - ai.onnx.ml nodes as default-domain ops --------------===//
//
// Binarizer -> CastLike(Greater(X, threshold), X); ArrayFeatureExtractor ->
// Gather along the last axis of the flattened indices (a 1-D input gets a
// leading unit dim, like the ONNX reference). The ops built are the newest
// default-domain forms, whatever the model's default opset is.
//
//===----------------------------------------------------------------------===//

#include "frontend/MlDomain.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

namespace kiln::detail {
namespace {

using Results = FailureOr<SmallVector<Value>>;

/// Fails on any attribute of `node` not in `known`.
LogicalResult expectOnlyAttrs(NodeState &node,
                              std::initializer_list<StringRef> known) {
  for (const pb::AttributeProto *attr : node.attributes)
    if (!llvm::is_contained(known, StringRef(attr->name()))) {
      node.emitError() << "unknown attribute '" << attr->name() << "'";
      return failure();
    }
  return success();
}

LogicalResult expectInputs(NodeState &node, size_t n) {
  if (node.inputs.size() != n || llvm::is_contained(node.inputs, Value())) {
    node.emitError() << "expects " << n << " input(s), got "
                     << node.inputs.size();
    return failure();
  }
  return success();
}

Type outputHint(const NodeState &node) {
  return node.outputHints.empty() ? Type() : node.outputHints[0];
}

/// Binarizer: 1 where X > threshold, else 0, in X's type (NaN -> 0).
Results decomposeBinarizer(ModelImporter &imp, NodeState &node) {
  if (failed(expectOnlyAttrs(node, {"threshold"})) ||
      failed(expectInputs(node, 1)))
    return failure();
  double threshold = 0.0;
  if (const pb::AttributeProto *attr = node.findAttr("threshold"))
    threshold = attr->f();
  Value x = node.inputs[0];
  auto type = dyn_cast<ShapedType>(x.getType());
  if (!type || !isa<FloatType>(type.getElementType())) {
    node.emitError() << "Binarizer on a non-float input is not supported";
    return failure();
  }
  Value t = imp.constFloat(node.loc, type.getElementType(), threshold);
  FailureOr<Value> greater = imp.createOp1(node, "Greater", {x, t});
  if (failed(greater))
    return failure();
  // The result has X's type: say so, so that later nodes see its rank.
  Type hint = outputHint(node) ? outputHint(node) : x.getType();
  FailureOr<Value> y = imp.createOp1(node, "CastLike", {*greater, x}, {}, hint);
  if (failed(y))
    return failure();
  return SmallVector<Value>{*y};
}

/// ArrayFeatureExtractor: X[..., Y.ravel()], [1, n] for a 1-D X.
Results decomposeArrayFeatureExtractor(ModelImporter &imp, NodeState &node) {
  if (failed(expectOnlyAttrs(node, {})) || failed(expectInputs(node, 2)))
    return failure();
  Value x = node.inputs[0];
  auto type = dyn_cast<RankedTensorType>(x.getType());
  if (!type || type.getRank() < 1) {
    node.emitError() << "ArrayFeatureExtractor needs an input of known "
                        "rank >= 1";
    return failure();
  }
  FailureOr<Value> flat = imp.createOp1(
      node, "Reshape", {node.inputs[1], imp.constI64(node.loc, {-1})});
  if (failed(flat))
    return failure();
  int64_t rank = type.getRank();
  bool oneD = rank == 1;
  FailureOr<Value> gathered = imp.createOp1(
      node, "Gather", {x, *flat},
      {NamedAttribute(imp.builder.getStringAttr("axis"),
                      imp.builder.getI64IntegerAttr(rank - 1))},
      oneD ? Type() : outputHint(node));
  if (failed(gathered) || !oneD)
    return failed(gathered) ? Results(failure())
                            : Results(SmallVector<Value>{*gathered});
  FailureOr<Value> y =
      imp.createOp1(node, "Unsqueeze", {*gathered, imp.constI64(node.loc, {0})},
                    {}, outputHint(node));
  if (failed(y))
    return failure();
  return SmallVector<Value>{*y};
}

} // namespace

VersionConverter findMlDecomposition(StringRef opType) {
  return llvm::StringSwitch<VersionConverter>(opType)
      .Case("Binarizer", decomposeBinarizer)
      .Case("ArrayFeatureExtractor", decomposeArrayFeatureExtractor)
      .Default(nullptr);
}

} // namespace kiln::detail
