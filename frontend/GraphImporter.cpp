//===- GraphImporter.cpp - ONNX graphs to functions and regions -----------===//
//
// The main graph becomes `func.func @main_graph`, subgraphs one-block
// regions ending in onnx.Yield. Names resolve through a stack of scopes so
// subgraphs can use outer values. Nodes are imported in topological order
// (ONNX files are not always sorted); cycles, undefined inputs, values
// defined twice and missing graph outputs are reported with the node.
//
//===----------------------------------------------------------------------===//

#include "frontend/Diagnostics.h"
#include "frontend/ImporterImpl.h"

#include "dialect/OnnxDialect.h"
#include "dialect/OnnxSchema.h"

#include "llvm/ADT/StringExtras.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "llvm/Support/Path.h"

#include <queue>

using namespace mlir;

namespace kiln::detail {

ModelImporter::ModelImporter(MLIRContext &ctx, const ImportOptions &options,
                             const ModelHeader &header)
    : ctx(&ctx), options(options), header(header), builder(&ctx) {
  llvm::StringRef dir = llvm::sys::path::parent_path(options.modelPath);
  modelDir = dir.empty() ? "." : dir.str();
}

Value ModelImporter::lookup(StringRef name) const {
  for (auto it = scopes.rbegin(); it != scopes.rend(); ++it) {
    auto found = it->values.find(name);
    if (found != it->values.end())
      return found->second;
  }
  return {};
}

Type ModelImporter::lookupHint(StringRef name) const {
  for (auto it = scopes.rbegin(); it != scopes.rend(); ++it) {
    auto found = it->hints.find(name);
    if (found != it->hints.end())
      return found->second;
  }
  return {};
}

LogicalResult ModelImporter::defineValue(StringRef name, Value value,
                                         Location loc) {
  if (!scopes.back().values.try_emplace(name, value).second) {
    emitError(loc) << "value '" << name << "' is defined twice";
    return failure();
  }
  return success();
}

LogicalResult ModelImporter::collectHints(const pb::GraphProto &graph,
                                          Scope &scope) {
  auto add = [&](const pb::ValueInfoProto &info) -> LogicalResult {
    if (!info.has_type())
      return success();
    FailureOr<Type> type = convertType(
        info.type(), getValueDiagLoc(ctx, options.modelPath, info.name(),
                                     "value"));
    if (failed(type))
      return failure();
    if (*type)
      scope.hints[info.name()] = *type;
    return success();
  };
  for (const pb::ValueInfoProto &info : graph.value_info())
    if (failed(add(info)))
      return failure();
  for (const pb::ValueInfoProto &info : graph.output())
    if (failed(add(info)))
      return failure();
  return success();
}

LogicalResult ModelImporter::importInitializers(const pb::GraphProto &graph,
                                                StringRef what) {
  for (const pb::TensorProto &tensor : graph.initializer()) {
    if (tensor.name().empty()) {
      emitError(FileLineColLoc::get(ctx, options.modelPath, 0, 0))
          << what << " has an initializer without a name";
      return failure();
    }
    Location loc = getNodeLoc(ctx, options.modelPath, tensor.name());
    Location diagLoc = getValueDiagLoc(ctx, options.modelPath, tensor.name(),
                                       "initializer");
    FailureOr<ElementsAttr> value =
        convertTensor(tensor, diagLoc, tensor.name(), /*initializer=*/true);
    if (failed(value))
      return failure();
    Value constant = onnx::ConstantOp::create(builder, loc, *value);
    if (failed(defineValue(tensor.name(), constant, diagLoc)))
      return failure();
  }
  if (graph.sparse_initializer_size()) {
    emitError(FileLineColLoc::get(ctx, options.modelPath, 0, 0))
        << "sparse initializers are not supported";
    return failure();
  }
  return success();
}

namespace {
/// Names a graph uses but does not define (inputs of its nodes and
/// subgraphs, and its outputs): the outer values it captures.
void collectFreeNames(const pb::GraphProto &graph, llvm::StringSet<> &out) {
  llvm::StringSet<> defined;
  for (const pb::ValueInfoProto &input : graph.input())
    defined.insert(input.name());
  for (const pb::TensorProto &init : graph.initializer())
    defined.insert(init.name());
  for (const pb::NodeProto &node : graph.node())
    for (const std::string &name : node.output())
      defined.insert(name);
  auto use = [&](const std::string &name) {
    if (!name.empty() && !defined.contains(name))
      out.insert(name);
  };
  for (const pb::NodeProto &node : graph.node()) {
    for (const std::string &name : node.input())
      use(name);
    for (const pb::AttributeProto &attr : node.attribute()) {
      llvm::StringSet<> inner;
      if (attr.has_g())
        collectFreeNames(attr.g(), inner);
      for (const pb::GraphProto &g : attr.graphs())
        collectFreeNames(g, inner);
      for (const auto &entry : inner)
        use(entry.getKey().str());
    }
  }
  for (const pb::ValueInfoProto &output : graph.output())
    use(output.name());
}
} // namespace

namespace {
/// A sequence element as a graph input: its tensor type without the dim
/// symbols (elements of one sequence may differ in size).
Type elementInputType(Type element) {
  if (auto ranked = dyn_cast<RankedTensorType>(element))
    return RankedTensorType::get(ranked.getShape(), ranked.getElementType());
  return element;
}

/// The tensor inputs a sequence/optional input of `structure` stands for.
LogicalResult
planStructuredInput(StringRef name, Type type,
                    const std::optional<ImportOptions::InputStructure> &structure,
                    Location loc, SmallVectorImpl<Type> &argTypes,
                    SmallVectorImpl<std::string> &argNames) {
  if (!structure) {
    argTypes.push_back(type);
    argNames.push_back(name.str());
    return success();
  }
  Type inner = type;
  if (auto opt = dyn_cast<onnx::OptType>(type)) {
    if (!structure->present)
      return success();
    inner = opt.getElementType();
  }
  auto seq = dyn_cast<onnx::SeqType>(inner);
  if (!seq) {
    argTypes.push_back(inner);
    argNames.push_back(name.str());
    return success();
  }
  if (structure->length < 0)
    return emitError(loc) << "sequence input '" << name
                          << "' needs its length fixed (--seq-len " << name
                          << "=K)";
  for (int64_t i = 0; i < structure->length; ++i) {
    Type element = elementInputType(seq.getElementType());
    auto unranked = dyn_cast<UnrankedTensorType>(element);
    if (unranked && static_cast<int64_t>(structure->elementRanks.size()) ==
                        structure->length)
      element = RankedTensorType::get(
          SmallVector<int64_t>(structure->elementRanks[i], ShapedType::kDynamic),
          unranked.getElementType());
    argTypes.push_back(element);
    argNames.push_back((name + "[" + Twine(i) + "]").str());
  }
  return success();
}

/// Rebuilds the sequence/optional value of `type` from its tensor inputs.
Value buildStructuredInput(OpBuilder &b, Type type, bool present,
                           ValueRange args, Location loc) {
  auto buildSeq = [&](onnx::SeqType seq) -> Value {
    if (!args.empty())
      return onnx::SequenceConstructOp::create(b, loc, TypeRange{seq}, args,
                                               ArrayRef<NamedAttribute>{})
          ->getResult(0);
    auto element = cast<TensorType>(seq.getElementType());
    return onnx::SequenceEmptyOp::create(
               b, loc, TypeRange{seq}, ValueRange{},
               ArrayRef<NamedAttribute>{b.getNamedAttr(
                   "dtype", b.getI64IntegerAttr(onnx::getDataTypeForElementType(
                                element.getElementType())))})
        ->getResult(0);
  };
  if (auto seq = dyn_cast<onnx::SeqType>(type))
    return buildSeq(seq);
  auto opt = cast<onnx::OptType>(type);
  Type inner = opt.getElementType();
  if (!present)
    return onnx::OptionalOp::create(
               b, loc, TypeRange{opt},
               ValueRange{onnx::NoValueOp::create(b, loc)},
               ArrayRef<NamedAttribute>{
                   b.getNamedAttr("type", TypeAttr::get(inner))})
        ->getResult(0);
  Value value = isa<onnx::SeqType>(inner) ? buildSeq(cast<onnx::SeqType>(inner))
                                          : args[0];
  return onnx::OptionalOp::create(b, loc, TypeRange{opt}, ValueRange{value},
                                  ArrayRef<NamedAttribute>{})
      ->getResult(0);
}
} // namespace

LogicalResult ModelImporter::importGraphNodes(const pb::GraphProto &graph) {
  int numNodes = graph.node_size();
  // Which node produces each value.
  llvm::StringMap<int> producer;
  for (int i = 0; i < numNodes; ++i) {
    const pb::NodeProto &node = graph.node(i);
    for (const std::string &name : node.output()) {
      if (name.empty())
        continue;
      auto [it, inserted] = producer.try_emplace(name, i);
      if (!inserted || scopes.back().values.count(name)) {
        std::string nodeName =
            node.name().empty() ? node.op_type() + "_" + std::to_string(i)
                                : node.name();
        emitError(getNodeDiagLoc(
            getNodeLoc(ctx, options.modelPath, nodeName), node.op_type()))
            << "value '" << name << "' is defined twice";
        return failure();
      }
    }
  }
  // Dependencies, including the outer values a node's subgraphs capture.
  std::vector<SmallVector<int>> users(numNodes);
  std::vector<int> pending(numNodes, 0);
  for (int i = 0; i < numNodes; ++i) {
    const pb::NodeProto &node = graph.node(i);
    llvm::StringSet<> used;
    for (const std::string &name : node.input())
      if (!name.empty())
        used.insert(name);
    for (const pb::AttributeProto &attr : node.attribute()) {
      if (attr.has_g())
        collectFreeNames(attr.g(), used);
      for (const pb::GraphProto &g : attr.graphs())
        collectFreeNames(g, used);
    }
    for (const auto &entry : used) {
      auto it = producer.find(entry.getKey());
      if (it == producer.end())
        continue;
      users[it->second].push_back(i);
      ++pending[i];
    }
  }
  // Kahn's algorithm, preferring file order among ready nodes.
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int i = 0; i < numNodes; ++i)
    if (pending[i] == 0)
      ready.push(i);
  std::vector<int> order;
  order.reserve(numNodes);
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int user : users[i])
      if (--pending[user] == 0)
        ready.push(user);
  }
  if (static_cast<int>(order.size()) != numNodes) {
    for (int i = 0; i < numNodes; ++i) {
      if (pending[i] == 0)
        continue;
      const pb::NodeProto &node = graph.node(i);
      std::string nodeName =
          node.name().empty() ? node.op_type() + "_" + std::to_string(i)
                              : node.name();
      emitError(getNodeDiagLoc(getNodeLoc(ctx, options.modelPath, nodeName),
                               node.op_type()))
          << "cycle in graph involving node '" << nodeName << "'";
      return failure();
    }
  }
  for (int i : order)
    if (failed(importNode(graph.node(i), i)))
      return failure();
  return success();
}

LogicalResult ModelImporter::importMainGraph(const pb::GraphProto &graph,
                                             ModuleOp module) {
  GraphImportScope scope(*this);
  if (failed(collectHints(graph, scopes.back())))
    return failure();
  Location fileLoc = FileLineColLoc::get(ctx, options.modelPath, 0, 0);
  llvm::StringSet<> initializers;
  for (const pb::TensorProto &tensor : graph.initializer())
    initializers.insert(tensor.name());

  // Inputs that are also initializers are imported as constants holding
  // the initializer (their default); see the frontend's README notes.
  // Sequence and optional inputs of a known structure become the tensor
  // inputs they hold (InputStructure), rebuilt into the sequence/optional
  // value at the top of the function.
  struct InputPlan {
    std::string name;
    Type type;
    std::optional<ImportOptions::InputStructure> structure;
    unsigned firstArg = 0, numArgs = 1;
  };
  SmallVector<InputPlan> plans;
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  llvm::StringSet<> inputNames;
  unsigned position = 0;
  for (const pb::ValueInfoProto &input : graph.input()) {
    Location loc = getValueDiagLoc(ctx, options.modelPath, input.name(),
                                   "graph input");
    if (input.name().empty()) {
      emitError(fileLoc) << "graph input without a name";
      return failure();
    }
    if (!inputNames.insert(input.name()).second) {
      emitError(loc) << "graph input '" << input.name()
                     << "' is defined twice";
      return failure();
    }
    if (initializers.contains(input.name()))
      continue;
    FailureOr<Type> type = convertType(input.type(), loc);
    if (failed(type))
      return failure();
    if (!*type) {
      emitError(loc) << "graph input '" << input.name()
                     << "' has no (complete) type";
      return failure();
    }
    InputPlan plan{input.name(), *type, std::nullopt, 0, 1};
    bool structured = isa<onnx::SeqType, onnx::OptType>(*type);
    auto given = options.inputStructures.find(input.name());
    if (structured && given != options.inputStructures.end())
      plan.structure = given->second;
    std::optional<ImportOptions::InputStructure> described;
    if (options.describeInput)
      described = options.describeInput(position, input.name(), *type);
    if (structured && !plan.structure)
      plan.structure = described;
    // An optional tensor is present unless said otherwise.
    if (auto opt = dyn_cast<onnx::OptType>(*type);
        opt && !plan.structure && isa<TensorType>(opt.getElementType()))
      plan.structure = ImportOptions::InputStructure();
    ++position;
    plan.firstArg = argTypes.size();
    if (failed(planStructuredInput(plan.name, *type, plan.structure, loc,
                                   argTypes, argNames)))
      return failure();
    plan.numArgs = argTypes.size() - plan.firstArg;
    plans.push_back(std::move(plan));
  }

  builder.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(builder, fileLoc, "main_graph",
                                   builder.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  for (auto [i, name] : llvm::enumerate(argNames))
    func.setArgAttr(i, "onnx.name", builder.getStringAttr(name));
  builder.setInsertionPointToStart(entry);
  for (const InputPlan &plan : plans) {
    ValueRange args =
        entry->getArguments().slice(plan.firstArg, plan.numArgs);
    Value value = plan.structure
                      ? buildStructuredInput(builder, plan.type,
                                             plan.structure->present, args,
                                             fileLoc)
                      : args[0];
    if (failed(defineValue(plan.name, value, fileLoc)))
      return failure();
  }
  builder.setInsertionPointToEnd(entry);
  if (failed(importInitializers(graph, "the main graph")) ||
      failed(importGraphNodes(graph)))
    return failure();

  // A model without outputs computes nothing a caller could read.
  if (graph.output().empty()) {
    emitError(fileLoc) << "the main graph has no outputs";
    return failure();
  }
  SmallVector<Value> results;
  for (const pb::ValueInfoProto &output : graph.output()) {
    Value value = lookup(output.name());
    if (!value) {
      emitError(fileLoc) << "graph output '" << output.name()
          << "' is not produced by any node";
      return failure();
    }
    results.push_back(value);
  }
  func::ReturnOp::create(builder, fileLoc, results);
  func.setType(builder.getFunctionType(argTypes, ValueRange(results).getTypes()));
  for (auto [i, output] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "onnx.name", builder.getStringAttr(output.name()));
  return success();
}

FailureOr<std::unique_ptr<Region>>
ModelImporter::importSubgraph(const pb::GraphProto &graph,
                              ArrayRef<Type> fallbackArgTypes,
                              const NodeState &owner, StringRef attrName) {
  GraphImportScope scope(*this);
  if (failed(collectHints(graph, scopes.back())))
    return failure();
  if (!fallbackArgTypes.empty() &&
      static_cast<size_t>(graph.input_size()) != fallbackArgTypes.size()) {
    owner.emitError() << "subgraph '" << attrName << "' has "
                      << graph.input_size() << " inputs, expected "
                      << fallbackArgTypes.size();
    return failure();
  }
  auto region = std::make_unique<Region>();
  Block *block = new Block();
  region->push_back(block);
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(block);
  for (auto [i, input] : llvm::enumerate(graph.input())) {
    Location loc = getNodeLoc(ctx, options.modelPath, input.name());
    FailureOr<Type> type = Type();
    if (input.has_type())
      type = convertType(input.type(), loc);
    if (failed(type))
      return failure();
    if (!*type && i < fallbackArgTypes.size())
      type = fallbackArgTypes[i];
    if (!*type) {
      owner.emitError() << "cannot determine the type of input '"
                        << input.name() << "' of subgraph '" << attrName
                        << "'";
      return failure();
    }
    Value arg = block->addArgument(*type, loc);
    if (failed(defineValue(input.name(), arg, getNodeDiagLoc(owner.loc,
                                                             owner.opType))))
      return failure();
  }
  if (failed(importInitializers(graph, "subgraph '" + attrName.str() + "'")) ||
      failed(importGraphNodes(graph)))
    return failure();
  SmallVector<Value> results;
  for (const pb::ValueInfoProto &output : graph.output()) {
    Value value = lookup(output.name());
    if (!value) {
      owner.emitError() << "output '" << output.name() << "' of subgraph '"
                        << attrName << "' is not produced by any node";
      return failure();
    }
    results.push_back(value);
  }
  onnx::YieldOp::create(builder, owner.loc, results);
  return region;
}

} // namespace kiln::detail
