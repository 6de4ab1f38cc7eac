//===- MlDomain.cpp - ai.onnx.ml nodes as default-domain ops --------------===//
//
// Binarizer -> CastLike(Greater(X, threshold), X); ArrayFeatureExtractor ->
// Gather along the last axis of the flattened indices (a 1-D input gets a
// leading unit dim, like the ONNX reference); TreeEnsemble (SUM/AVERAGE,
// no post transform) -> per leaf, the And of the branch conditions on its
// path selects its weight (Where), summed per target and concatenated. The
// ops built are the newest default-domain forms, whatever the model's
// default opset is.
//
//===----------------------------------------------------------------------===//

#include "frontend/MlDomain.h"

#include "dialect/OnnxDialect.h"

#include "llvm/ADT/StringSwitch.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <map>

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

/// The values of a float/double TENSOR attribute.
FailureOr<SmallVector<double>> tensorDoubles(NodeState &node,
                                             const pb::AttributeProto *attr) {
  SmallVector<double> out;
  if (!attr)
    return out;
  const pb::TensorProto &t = attr->t();
  if (t.data_type() == 1) {
    for (float v : t.float_data())
      out.push_back(v);
    for (size_t i = 0; i + 4 <= t.raw_data().size(); i += 4) {
      float v;
      std::memcpy(&v, t.raw_data().data() + i, 4);
      out.push_back(v);
    }
  } else if (t.data_type() == 11) {
    for (double v : t.double_data())
      out.push_back(v);
    for (size_t i = 0; i + 8 <= t.raw_data().size(); i += 8) {
      double v;
      std::memcpy(&v, t.raw_data().data() + i, 8);
      out.push_back(v);
    }
  } else {
    node.emitError() << "attribute '" << attr->name()
                     << "' must be a float or double tensor";
    return failure();
  }
  return out;
}

SmallVector<int64_t> ints(const NodeState &node, StringRef name) {
  SmallVector<int64_t> out;
  if (const pb::AttributeProto *a = node.findAttr(name))
    out.assign(a->ints().begin(), a->ints().end());
  return out;
}

/// TreeEnsemble (ai.onnx.ml 5) on a [N, F] float input.
Results decomposeTreeEnsemble(ModelImporter &imp, NodeState &node) {
  if (failed(expectInputs(node, 1)))
    return failure();
  Value x = node.inputs[0];
  auto xType = dyn_cast<RankedTensorType>(x.getType());
  if (!xType || xType.getRank() != 2 ||
      !isa<FloatType>(xType.getElementType())) {
    node.emitError() << "TreeEnsemble needs a float input of rank 2";
    return failure();
  }
  Type et = xType.getElementType();
  auto intAttr = [&](StringRef name, int64_t dflt) {
    const pb::AttributeProto *a = node.findAttr(name);
    return a ? a->i() : dflt;
  };
  int64_t aggregate = intAttr("aggregate_function", 1);
  if ((aggregate != 0 && aggregate != 1) || intAttr("post_transform", 0) != 0) {
    node.emitError() << "TreeEnsemble supports the SUM and AVERAGE "
                        "aggregates without post transform";
    return failure();
  }
  int64_t nTargets = intAttr("n_targets", 0);
  SmallVector<int64_t> features = ints(node, "nodes_featureids"),
                       trueIds = ints(node, "nodes_truenodeids"),
                       falseIds = ints(node, "nodes_falsenodeids"),
                       trueLeafs = ints(node, "nodes_trueleafs"),
                       falseLeafs = ints(node, "nodes_falseleafs"),
                       targets = ints(node, "leaf_targetids"),
                       roots = ints(node, "tree_roots"),
                       tracks = ints(node, "nodes_missing_value_tracks_true");
  auto splits = tensorDoubles(node, node.findAttr("nodes_splits"));
  auto weights = tensorDoubles(node, node.findAttr("leaf_weights"));
  auto members = tensorDoubles(node, node.findAttr("membership_values"));
  if (failed(splits) || failed(weights) || failed(members))
    return failure();
  SmallVector<int64_t> modeValues;
  if (const pb::AttributeProto *a = node.findAttr("nodes_modes")) {
    const pb::TensorProto &t = a->t();
    for (int32_t v : t.int32_data())
      modeValues.push_back(v);
    for (char c : t.raw_data())
      modeValues.push_back(static_cast<uint8_t>(c));
  }
  size_t nNodes = features.size();
  if (nTargets <= 0 || roots.empty() || modeValues.size() != nNodes ||
      splits->size() != nNodes || trueIds.size() != nNodes ||
      falseIds.size() != nNodes || trueLeafs.size() != nNodes ||
      falseLeafs.size() != nNodes || targets.size() != weights->size()) {
    node.emitError() << "TreeEnsemble attributes have inconsistent sizes";
    return failure();
  }
  // The sets of the MEMBER nodes, in node order, NaN-separated.
  std::vector<SmallVector<double>> sets(nNodes);
  {
    size_t k = 0;
    for (size_t n = 0; n < nNodes; ++n) {
      if (modeValues[n] != 6)
        continue;
      while (k < members->size() && !std::isnan((*members)[k]))
        sets[n].push_back((*members)[k++]);
      ++k;
    }
  }
  auto op = [&](StringRef name, ArrayRef<Value> in,
                ArrayRef<NamedAttribute> attrs = {}) -> FailureOr<Value> {
    return imp.createOp1(node, name, in, attrs);
  };
  // Column f of X as [N, 1], memoized.
  std::map<int64_t, Value> columns;
  auto column = [&](int64_t f) -> FailureOr<Value> {
    if (f < 0 || f >= xType.getDimSize(1)) {
      node.emitError() << "feature id " << f << " is out of range";
      return failure();
    }
    if (columns.count(f))
      return columns[f];
    FailureOr<Value> c = op("Gather", {x, imp.constI64(node.loc, {f})},
                            {NamedAttribute(imp.builder.getStringAttr("axis"),
                                            imp.builder.getI64IntegerAttr(1))});
    if (succeeded(c))
      columns[f] = *c;
    return c;
  };
  auto scalar = [&](double v) { return imp.constFloat(node.loc, et, v); };
  auto condition = [&](size_t n) -> FailureOr<Value> {
    FailureOr<Value> col = column(features[n]);
    if (failed(col))
      return failure();
    static const char *const cmp[] = {"LessOrEqual", "Less", "GreaterOrEqual",
                                      "Greater", "Equal", "Equal"};
    int64_t mode = modeValues[n];
    FailureOr<Value> c;
    if (mode >= 0 && mode <= 5) {
      c = op(cmp[mode], {*col, scalar((*splits)[n])});
      if (succeeded(c) && mode == 5)
        c = op("Not", {*c});
    } else if (mode == 6) {
      c = op("Equal", {*col, scalar(std::nan(""))}); // never true
      for (double v : sets[n]) {
        if (failed(c))
          break;
        FailureOr<Value> e = op("Equal", {*col, scalar(v)});
        c = failed(e) ? e : op("Or", {*c, *e});
      }
    } else {
      node.emitError() << "unknown node mode " << mode;
      return failure();
    }
    if (succeeded(c) && n < tracks.size() && tracks[n]) {
      FailureOr<Value> nan = op("IsNaN", {*col});
      c = failed(nan) ? nan : op("Or", {*c, *nan});
    }
    return c;
  };
  FailureOr<Value> col0 = column(0);
  if (failed(col0))
    return failure();
  FailureOr<Value> anyMask = op("IsNaN", {*col0});
  if (failed(anyMask))
    return failure();
  // Per target, the [N, 1] terms to add.
  std::vector<SmallVector<Value>> terms(nTargets);
  FailureOr<Value> zeros = op("Where", {*anyMask, scalar(0), scalar(0)});
  if (failed(zeros))
    return failure();
  // Walks a tree; `path` null means always taken. Depth is bounded by the
  // node count (a cycle is an error).
  std::function<LogicalResult(int64_t, bool, Value, size_t)> walk =
      [&](int64_t id, bool leaf, Value path, size_t depth) -> LogicalResult {
    if (depth > nNodes + 1) {
      node.emitError() << "TreeEnsemble has a cycle";
      return failure();
    }
    if (leaf) {
      if (id < 0 || id >= (int64_t)weights->size() || targets[id] < 0 ||
          targets[id] >= nTargets) {
        node.emitError() << "leaf " << id << " is out of range";
        return failure();
      }
      Value mask = path ? path : *anyMask;
      FailureOr<Value> w =
          path ? op("Where", {mask, scalar((*weights)[id]), scalar(0)})
               : op("Add", {*zeros, scalar((*weights)[id])});
      if (failed(w))
        return failure();
      terms[targets[id]].push_back(*w);
      return success();
    }
    if (id < 0 || id >= (int64_t)nNodes) {
      node.emitError() << "node " << id << " is out of range";
      return failure();
    }
    FailureOr<Value> c = condition(id);
    if (failed(c))
      return failure();
    FailureOr<Value> notC = op("Not", {*c});
    if (failed(notC))
      return failure();
    FailureOr<Value> t = path ? op("And", {path, *c}) : *c;
    FailureOr<Value> f = path ? op("And", {path, *notC}) : *notC;
    if (failed(t) || failed(f))
      return failure();
    if (failed(walk(trueIds[id], trueLeafs[id] != 0, *t, depth + 1)))
      return failure();
    return walk(falseIds[id], falseLeafs[id] != 0, *f, depth + 1);
  };
  for (int64_t root : roots) {
    if (root < 0 || root >= (int64_t)nNodes) {
      node.emitError() << "tree root " << root << " is out of range";
      return failure();
    }
    bool rootLeaf = trueLeafs[root] && falseLeafs[root] &&
                    trueIds[root] == falseIds[root];
    if (failed(walk(rootLeaf ? trueIds[root] : root, rootLeaf, Value(), 0)))
      return failure();
  }
  SmallVector<Value> perTarget;
  for (int64_t t = 0; t < nTargets; ++t) {
    SmallVector<Value> in{*zeros};
    in.append(terms[t].begin(), terms[t].end());
    FailureOr<Value> sum = in.size() == 1 ? FailureOr<Value>(in[0])
                                          : op("Sum", in);
    if (succeeded(sum) && aggregate == 0)
      sum = op("Div", {*sum, scalar((double)roots.size())});
    if (failed(sum))
      return failure();
    perTarget.push_back(*sum);
  }
  FailureOr<Value> y =
      nTargets == 1
          ? FailureOr<Value>(perTarget[0])
          : imp.createOp1(node, "Concat", perTarget,
                          {NamedAttribute(imp.builder.getStringAttr("axis"),
                                          imp.builder.getI64IntegerAttr(1))},
                          outputHint(node));
  if (failed(y))
    return failure();
  return SmallVector<Value>{*y};
}

/// LabelEncoder (ai.onnx.ml 2-4) from string keys to integer values: a
/// chain of Where over Equal(X, key) (the first key wins), from the default.
Results decomposeLabelEncoder(ModelImporter &imp, NodeState &node) {
  if (failed(expectInputs(node, 1)))
    return failure();
  Value x = node.inputs[0];
  auto xType = dyn_cast<ShapedType>(x.getType());
  if (!xType || !isa<onnx::StringType>(xType.getElementType())) {
    node.emitError() << "LabelEncoder supports string keys only";
    return failure();
  }
  SmallVector<std::string> keys;
  if (const pb::AttributeProto *a = node.findAttr("keys_strings"))
    keys.assign(a->strings().begin(), a->strings().end());
  else if (const pb::AttributeProto *a = node.findAttr("keys_tensor");
           a && a->t().data_type() == 8)
    keys.assign(a->t().string_data().begin(), a->t().string_data().end());
  else {
    node.emitError() << "LabelEncoder supports string keys only";
    return failure();
  }
  // Integer values, their dtype, and the default.
  SmallVector<int64_t> values;
  int32_t dtype = 7;
  int64_t dflt = -1;
  auto tensorInts = [](const pb::TensorProto &t, SmallVector<int64_t> &out) {
    if (t.data_type() == 7)
      out.assign(t.int64_data().begin(), t.int64_data().end());
    else
      out.assign(t.int32_data().begin(), t.int32_data().end());
    return t.raw_data().empty() &&
           (t.data_type() == 7 || t.data_type() == 6 || t.data_type() == 5 ||
            t.data_type() == 3);
  };
  if (const pb::AttributeProto *a = node.findAttr("values_int64s")) {
    values.assign(a->ints().begin(), a->ints().end());
  } else if (const pb::AttributeProto *a = node.findAttr("values_tensor")) {
    dtype = a->t().data_type();
    if (!tensorInts(a->t(), values)) {
      node.emitError() << "LabelEncoder supports int8/16/32/64 values "
                          "(typed fields) only";
      return failure();
    }
  } else {
    node.emitError() << "LabelEncoder supports integer values only";
    return failure();
  }
  if (const pb::AttributeProto *a = node.findAttr("default_int64")) {
    dflt = a->i();
  } else if (const pb::AttributeProto *a = node.findAttr("default_tensor")) {
    SmallVector<int64_t> d;
    if (!tensorInts(a->t(), d) || d.size() != 1 || a->t().data_type() != dtype) {
      node.emitError() << "default_tensor must be one value of the values' "
                          "type";
      return failure();
    }
    dflt = d[0];
  }
  if (values.size() != keys.size()) {
    node.emitError() << "LabelEncoder has " << keys.size() << " keys and "
                     << values.size() << " values";
    return failure();
  }
  auto typed = [&](int64_t v) -> FailureOr<Value> {
    Value c = imp.constI64(node.loc, {v}, /*scalar=*/true);
    if (dtype == 7)
      return c;
    return imp.createOp1(node, "Cast", {c},
                         {NamedAttribute(imp.builder.getStringAttr("to"),
                                         imp.builder.getI64IntegerAttr(dtype))});
  };
  FailureOr<Value> acc = typed(dflt);
  auto stringType = onnx::StringType::get(imp.builder.getContext());
  for (size_t k = keys.size(); k-- > 0 && succeeded(acc);) {
    Value key = onnx::ConstantOp::create(
        imp.builder, node.loc,
        DenseStringElementsAttr::get(RankedTensorType::get({}, stringType),
                                     {StringRef(keys[k])}));
    FailureOr<Value> eq = imp.createOp1(node, "Equal", {x, key});
    FailureOr<Value> v = typed(values[k]);
    if (failed(eq) || failed(v))
      return failure();
    acc = imp.createOp1(node, "Where", {*eq, *v, *acc}, {},
                        k == 0 ? outputHint(node) : Type());
  }
  if (failed(acc))
    return failure();
  return SmallVector<Value>{*acc};
}

} // namespace

VersionConverter findMlDecomposition(StringRef opType) {
  return llvm::StringSwitch<VersionConverter>(opType)
      .Case("Binarizer", decomposeBinarizer)
      .Case("ArrayFeatureExtractor", decomposeArrayFeatureExtractor)
      .Case("TreeEnsemble", decomposeTreeEnsemble)
      .Case("LabelEncoder", decomposeLabelEncoder)
      .Default(nullptr);
}

} // namespace kiln::detail
