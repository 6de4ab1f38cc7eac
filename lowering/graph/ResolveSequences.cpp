//===- ResolveSequences.cpp - The onnx-resolve-sequences pass -------------===//
//
// Sequences and optionals have no run-time representation in kiln: where
// their structure is known at compile time (how many tensors a sequence
// holds, whether an optional holds one), each sequence value is tracked as
// the list of tensor values it holds and the ops reading it are rewritten
// onto those tensors:
//
//   SequenceEmpty / SequenceConstruct / SequenceInsert / SequenceErase
//   (constant positions) and SplitToSequence (static split count) build
//   lists; SequenceAt (constant position) becomes the element,
//   SequenceLength a constant, ConcatFromSequence a Concat (after
//   Unsqueezes for new_axis), SequenceMap one copy of its body per element.
//   Optional / OptionalHasElement / OptionalGetElement fold the same way;
//   Identity passes a list on; a Loop carrying a sequence for a constant
//   number of iterations is unrolled.
//
// A sequence graph output of known length becomes one output per element,
// named `name[i]`. Sequence and optional graph inputs arrive built by the
// importer from tensor inputs (SequenceConstruct/Optional), their structure
// fixed at compile time (--seq-len, --absent). What cannot be resolved (a
// run-time position) is left alone and reported as unsupported.
//
//===----------------------------------------------------------------------===//

#include "lowering/Passes.h"

#include "dialect/OnnxDialect.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace kiln {
#define GEN_PASS_DEF_ONNXRESOLVESEQUENCES
#include "lowering/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

/// The single integer of a constant scalar or one-element tensor.
std::optional<int64_t> getConstantScalar(Value value) {
  DenseIntElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)) ||
      attr.getNumElements() != 1)
    return std::nullopt;
  return (*attr.begin()).getSExtValue();
}

/// An i64 constant tensor of `shape` holding `values`.
Value createI64Constant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                        ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get(shape, b.getI64Type());
  return onnx::ConstantOp::create(b, loc,
                                  DenseIntElementsAttr::get(type, values));
}

/// A true i1 scalar tensor.
Value createI1True(OpBuilder &b, Location loc) {
  auto type = RankedTensorType::get({}, b.getI1Type());
  return onnx::ConstantOp::create(b, loc, DenseElementsAttr::get(type, true));
}

class SequenceResolver {
public:
  /// Rewrites what it can of `block` (ops in order, nested regions first).
  void run(Block &block) {
    for (Operation &op : llvm::make_early_inc_range(block)) {
      for (Region &region : op.getRegions())
        for (Block &nested : region)
          run(nested);
      OpBuilder b(&op);
      visit(b, &op);
    }
  }

  /// Erases the sequence/optional ops whose results nothing uses any more.
  void eraseDead() {
    // Erasing an op with regions erases the resolved ops inside it too.
    DenseSet<Operation *> pending(resolved.begin(), resolved.end());
    for (Operation *op : llvm::reverse(resolved)) {
      if (!pending.contains(op) || !op->use_empty())
        continue;
      op->walk([&](Operation *nested) { pending.erase(nested); });
      op->erase();
    }
  }

  /// The tensors `seq` holds, when known.
  const SmallVector<Value> *lookupList(Value seq) { return lookup(seq); }

private:
  using List = SmallVector<Value>;
  /// The tensors each resolved sequence holds; optionals map to zero or one.
  DenseMap<Value, List> lists;
  /// Results of resolved ops and what replaced them.
  DenseMap<Value, Value> replacedBy;
  SmallVector<Operation *> resolved;

  const List *lookup(Value seq) {
    auto it = lists.find(seq);
    return it == lists.end() ? nullptr : &it->second;
  }
  /// A position normalized into [0, size] (`allowEnd`) or [0, size).
  static std::optional<int64_t> position(Value pos, int64_t size,
                                         bool allowEnd) {
    std::optional<int64_t> p = getConstantScalar(pos);
    if (!p)
      return std::nullopt;
    int64_t v = *p < 0 ? *p + size : *p;
    if (v < 0 || v > size || (!allowEnd && v == size))
      return std::nullopt;
    return v;
  }
  void define(Operation *op, Value seq, List list) {
    lists[seq] = std::move(list);
    resolved.push_back(op);
  }
  void replace(Operation *op, Value with) {
    op->getResult(0).replaceAllUsesWith(with);
    replacedBy[op->getResult(0)] = with;
    resolved.push_back(op);
  }

  void visit(OpBuilder &b, Operation *op) {
    Location loc = op->getLoc();
    if (isa<onnx::SequenceEmptyOp>(op))
      return define(op, op->getResult(0), {});
    if (auto construct = dyn_cast<onnx::SequenceConstructOp>(op))
      return define(op, construct.getResult(), List(construct.getInputs()));
    if (auto insert = dyn_cast<onnx::SequenceInsertOp>(op)) {
      const List *list = lookup(insert.getInputSequence());
      if (!list)
        return;
      int64_t size = list->size();
      std::optional<int64_t> at = size;
      if (!isa<NoneType>(insert.getPosition().getType()))
        at = position(insert.getPosition(), size, /*allowEnd=*/true);
      if (!at)
        return;
      List result(*list);
      result.insert(result.begin() + *at, insert.getTensor());
      return define(op, insert.getResult(), std::move(result));
    }
    if (auto erase = dyn_cast<onnx::SequenceEraseOp>(op)) {
      const List *list = lookup(erase.getInputSequence());
      if (!list || list->empty())
        return;
      int64_t size = list->size();
      std::optional<int64_t> at = size - 1;
      if (!isa<NoneType>(erase.getPosition().getType()))
        at = position(erase.getPosition(), size, /*allowEnd=*/false);
      if (!at)
        return;
      List result(*list);
      result.erase(result.begin() + *at);
      return define(op, erase.getResult(), std::move(result));
    }
    if (auto at = dyn_cast<onnx::SequenceAtOp>(op)) {
      const List *list = lookup(at.getInputSequence());
      if (!list)
        return;
      std::optional<int64_t> p =
          position(at.getPosition(), list->size(), /*allowEnd=*/false);
      if (p)
        replace(op, (*list)[*p]);
      return;
    }
    if (auto length = dyn_cast<onnx::SequenceLengthOp>(op)) {
      const List *list = lookup(length.getInputSequence());
      if (list)
        replace(op, createI64Constant(b, loc, {},
                                      {static_cast<int64_t>(list->size())}));
      return;
    }
    if (auto split = dyn_cast<onnx::SplitToSequenceOp>(op))
      return visitSplit(b, split);
    if (auto concat = dyn_cast<onnx::ConcatFromSequenceOp>(op)) {
      const List *list = lookup(concat.getInputSequence());
      if (!list || list->empty())
        return;
      List parts(*list);
      Type resultType = concat.getResult().getType();
      Type unranked = UnrankedTensorType::get(
          cast<TensorType>(resultType).getElementType());
      int64_t axis = concat.getAxis();
      if (concat.getNewAxis() != 0) {
        // new_axis stacks: a negative axis counts in the rank + 1 result.
        auto first = dyn_cast<RankedTensorType>(parts[0].getType());
        if (!first)
          return;
        int64_t rank = first.getRank() + 1;
        if (axis < -rank || axis >= rank)
          return;
        if (axis < 0)
          axis += rank;
        Value axes = createI64Constant(b, loc, {1}, {axis});
        for (Value &part : parts)
          part = onnx::UnsqueezeOp::create(b, loc, TypeRange{unranked},
                                           ValueRange{part, axes})
                     ->getResult(0);
      }
      replace(op, onnx::ConcatOp::create(
                      b, loc, TypeRange{resultType}, parts,
                      {b.getNamedAttr("axis", b.getI64IntegerAttr(axis))}));
      return;
    }
    if (auto map = dyn_cast<onnx::SequenceMapOp>(op))
      return visitMap(b, map);
    if (auto identity = dyn_cast<onnx::IdentityOp>(op)) {
      // Identity of a sequence or optional: the same list.
      if (const List *list = lookup(identity.getInput()))
        define(op, identity.getOutput(), List(*list));
      return;
    }
    if (auto ifOp = dyn_cast<onnx::IfOp>(op))
      return visitIf(b, ifOp);
    if (auto loop = dyn_cast<onnx::LoopOp>(op))
      return visitLoop(b, loop);
    if (auto optional = dyn_cast<onnx::OptionalOp>(op)) {
      Value input = optional.getInput();
      if (isa<NoneType>(input.getType()))
        return define(op, optional.getResult(), {});
      return define(op, optional.getResult(), {input});
    }
    if (auto has = dyn_cast<onnx::OptionalHasElementOp>(op)) {
      Value input = has.getInput();
      std::optional<bool> value;
      if (isa<NoneType>(input.getType()))
        value = false;
      else if (isa<TensorType, onnx::SeqType>(input.getType()))
        value = true;
      else if (const List *list = lookup(input))
        value = !list->empty();
      if (!value)
        return;
      auto type = RankedTensorType::get({}, b.getI1Type());
      replace(op, onnx::ConstantOp::create(
                      b, loc, DenseElementsAttr::get(type, *value)));
      return;
    }
    if (auto get = dyn_cast<onnx::OptionalGetElementOp>(op)) {
      Value input = get.getInput();
      if (isa<TensorType, onnx::SeqType>(input.getType())) {
        if (isa<onnx::SeqType>(input.getType()))
          if (const List *list = lookup(input))
            lists[get.getResult()] = *list;
        replace(op, input);
        return;
      }
      const List *list = lookup(input);
      if (!list || list->size() != 1)
        return;
      Value element = (*list)[0];
      if (isa<onnx::SeqType>(element.getType()))
        if (const List *inner = lookup(element))
          lists[get.getResult()] = *inner;
      replace(op, element);
    }
  }

  void visitSplit(OpBuilder &b, onnx::SplitToSequenceOp op) {
    Location loc = op.getLoc();
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    if (!type)
      return;
    int64_t rank = type.getRank();
    int64_t axis = op.getAxis();
    if (axis < -rank || axis >= rank)
      return;
    if (axis < 0)
      axis += rank;
    Type unranked = UnrankedTensorType::get(type.getElementType());
    Value split = op.getSplit();
    int64_t dim = type.getDimSize(axis);
    SmallVector<Value> parts;
    if (isa<NoneType>(split.getType())) {
      // Chunks of 1, squeezed unless keepdims.
      if (ShapedType::isDynamic(dim))
        return;
      SmallVector<Type> types(dim, unranked);
      Value none = onnx::NoValueOp::create(b, loc);
      auto splitOp = onnx::SplitOp::create(
          b, loc, types, ValueRange{op.getInput(), none},
          {b.getNamedAttr("axis", b.getI64IntegerAttr(axis)),
           b.getNamedAttr("num_outputs", b.getI64IntegerAttr(dim))});
      Value axes = createI64Constant(b, loc, {1}, {axis});
      for (Value part : splitOp.getResults())
        parts.push_back(op.getKeepdims() ? part
                                         : onnx::SqueezeOp::create(
                                               b, loc, TypeRange{unranked},
                                               ValueRange{part, axes})
                                               ->getResult(0));
      return define(op, op.getResult(), std::move(parts));
    }
    auto splitType = dyn_cast<RankedTensorType>(split.getType());
    if (!splitType || !splitType.hasStaticShape())
      return;
    int64_t count;
    Value sizes = split;
    if (splitType.getRank() == 0) {
      // Equal chunks of a constant size, the last one smaller.
      std::optional<int64_t> chunk = getConstantScalar(split);
      if (!chunk || *chunk <= 0 || ShapedType::isDynamic(dim))
        return;
      count = (dim + *chunk - 1) / *chunk;
      SmallVector<int64_t> values(count, *chunk);
      if (count > 0)
        values.back() = dim - (count - 1) * *chunk;
      sizes = createI64Constant(b, loc, {count}, values);
    } else if (splitType.getRank() == 1) {
      count = splitType.getDimSize(0);
      if (splitType.getElementType() != b.getI64Type())
        return;
    } else {
      return;
    }
    if (count == 0)
      return define(op, op.getResult(), {});
    SmallVector<Type> types(count, unranked);
    auto splitOp = onnx::SplitOp::create(
        b, loc, types, ValueRange{op.getInput(), sizes},
        {b.getNamedAttr("axis", b.getI64IntegerAttr(axis))});
    define(op, op.getResult(), List(splitOp.getResults()));
  }

  /// An If whose branches yield sequences of one known length becomes an
  /// If yielding their elements (a copy of the op; the original dies with
  /// its last use).
  void visitIf(OpBuilder &b, onnx::IfOp op) {
    Region &thenRegion = op.getThenBranch(), &elseRegion = op.getElseBranch();
    if (thenRegion.empty() || elseRegion.empty())
      return;
    Operation *thenYield = thenRegion.front().getTerminator();
    Operation *elseYield = elseRegion.front().getTerminator();
    unsigned n = op->getNumResults();
    if (!thenYield || !elseYield || thenYield->getNumOperands() != n ||
        elseYield->getNumOperands() != n)
      return;
    SmallVector<Type> types;
    bool any = false;
    for (unsigned i = 0; i < n; ++i) {
      auto seq = dyn_cast<onnx::SeqType>(op->getResult(i).getType());
      if (!seq) {
        types.push_back(op->getResult(i).getType());
        continue;
      }
      const List *a = lookup(thenYield->getOperand(i));
      const List *c = lookup(elseYield->getOperand(i));
      auto element = dyn_cast<TensorType>(seq.getElementType());
      if (!a || !c || a->size() != c->size() || !element)
        return;
      types.append(a->size(),
                   UnrankedTensorType::get(element.getElementType()));
      any = true;
    }
    if (!any)
      return;
    auto copy = onnx::IfOp::create(b, op.getLoc(), types,
                                   ValueRange{op.getCond()}, op->getAttrs());
    for (auto [from, to] : {std::pair{&thenRegion, &copy.getThenBranch()},
                            std::pair{&elseRegion, &copy.getElseBranch()}}) {
      IRMapping mapping;
      from->cloneInto(to, mapping);
      Operation *yield = to->front().getTerminator();
      Operation *original = from->front().getTerminator();
      SmallVector<Value> values;
      for (Value v : original->getOperands()) {
        if (!isa<onnx::SeqType>(v.getType())) {
          values.push_back(mapping.lookupOrDefault(v));
          continue;
        }
        for (Value element : *lookup(v))
          values.push_back(mapping.lookupOrDefault(element));
      }
      yield->setOperands(values);
      // The copied sequence ops are dead now.
      for (Operation &inner :
           llvm::make_early_inc_range(llvm::reverse(to->front())))
        if (isOpTriviallyDead(&inner))
          inner.erase();
    }
    unsigned next = 0;
    for (unsigned i = 0; i < n; ++i) {
      Value result = op->getResult(i);
      if (!isa<onnx::SeqType>(result.getType())) {
        result.replaceAllUsesWith(copy->getResult(next++));
        continue;
      }
      size_t k = lookup(thenYield->getOperand(i))->size();
      lists[result] = List(copy->getResults().slice(next, k));
      next += k;
    }
    resolved.push_back(op);
  }

  /// Copies `inner` out of a body with `mapping` and visits the copy (its
  /// regions first, like run()); a copy resolved into another value maps
  /// to that value for the ops copied after it.
  Operation *cloneAndVisit(OpBuilder &b, Operation &inner,
                           IRMapping &mapping) {
    Operation *copy = b.clone(inner, mapping);
    for (Region &region : copy->getRegions())
      for (Block &nested : region)
        run(nested);
    OpBuilder at(copy);
    visit(at, copy);
    for (auto [original, result] :
         llvm::zip_equal(inner.getResults(), copy->getResults())) {
      auto it = replacedBy.find(result);
      if (it != replacedBy.end())
        mapping.map(original, it->second);
    }
    return copy;
  }

  /// A Loop carrying a sequence that runs a constant number of times (a
  /// constant trip count, a true condition the body passes on unchanged,
  /// no scan outputs) is unrolled: one copy of the body per iteration, with
  /// the iteration number a constant, so positions in it become constants
  /// (the expanded form of SequenceMap).
  void visitLoop(OpBuilder &b, onnx::LoopOp op) {
    constexpr int64_t kMaxUnroll = 256;
    std::optional<int64_t> trip = getConstantScalar(op.getM());
    if (!trip || *trip < 0 || *trip > kMaxUnroll)
      return;
    Value cond = op.getCond();
    if (!isa<NoneType>(cond.getType())) {
      std::optional<int64_t> c = getConstantScalar(cond);
      if (!c || *c == 0)
        return;
    }
    ValueRange initial = op.getVInitial();
    if (op->getNumResults() != initial.size() ||
        llvm::none_of(initial.getTypes(),
                      [](Type t) { return isa<onnx::SeqType>(t); }))
      return;
    Block &body = op.getBody().front();
    Operation *terminator = body.getTerminator();
    if (body.getNumArguments() != 2 + initial.size() ||
        terminator->getNumOperands() != 1 + initial.size())
      return;
    // The condition stays true: passed on, or a true constant.
    Value condOut = terminator->getOperand(0);
    if (auto identity = condOut.getDefiningOp<onnx::IdentityOp>())
      condOut = identity.getInput();
    std::optional<int64_t> constantCond = getConstantScalar(condOut);
    if (condOut != body.getArgument(1) && (!constantCond || *constantCond == 0))
      return;
    for (Value v : initial)
      if (isa<onnx::SeqType>(v.getType()) && !lookup(v))
        return;
    Location loc = op.getLoc();
    Value trueCond = createI1True(b, loc);
    SmallVector<Value> carried(initial);
    SmallVector<Operation *> clones;
    for (int64_t i = 0; i < *trip; ++i) {
      IRMapping mapping;
      mapping.map(body.getArgument(0), createI64Constant(b, loc, {}, {i}));
      mapping.map(body.getArgument(1), trueCond);
      for (auto [k, v] : llvm::enumerate(carried))
        mapping.map(body.getArgument(2 + k), v);
      for (Operation &inner : body.without_terminator())
        clones.push_back(cloneAndVisit(b, inner, mapping));
      for (auto [k, v] : llvm::enumerate(terminator->getOperands().drop_front()))
        carried[k] = mapping.lookupOrDefault(v);
    }
    // Unresolved sequences keep the Loop; the copies go.
    for (auto [result, value] : llvm::zip_equal(op->getResults(), carried)) {
      if (!isa<onnx::SeqType>(result.getType()) || lookup(value))
        continue;
      for (Operation *copy : llvm::reverse(clones)) {
        if (!copy->use_empty())
          continue;
        copy->walk([&](Operation *nested) { llvm::erase(resolved, nested); });
        copy->erase();
      }
      return;
    }
    for (auto [result, value] : llvm::zip_equal(op->getResults(), carried)) {
      if (isa<onnx::SeqType>(result.getType()))
        lists[result] = *lookup(value);
      else
        result.replaceAllUsesWith(value);
    }
    resolved.push_back(op);
  }

  /// One copy of the body per element; the body's outputs form the output
  /// sequences.
  void visitMap(OpBuilder &b, onnx::SequenceMapOp op) {
    const List *list = lookup(op.getInputSequence());
    if (!list)
      return;
    SmallVector<const List *> extraLists;
    for (Value extra : op.getAdditionalInputs()) {
      if (!isa<onnx::SeqType>(extra.getType())) {
        extraLists.push_back(nullptr);
        continue;
      }
      const List *l = lookup(extra);
      if (!l || l->size() != list->size())
        return;
      extraLists.push_back(l);
    }
    Block &body = op.getBody().front();
    if (body.getNumArguments() != 1 + op.getAdditionalInputs().size())
      return;
    SmallVector<List> outputs(op->getNumResults());
    for (size_t i = 0; i < list->size(); ++i) {
      IRMapping mapping;
      mapping.map(body.getArgument(0), (*list)[i]);
      for (auto [k, extra] : llvm::enumerate(op.getAdditionalInputs()))
        mapping.map(body.getArgument(1 + k),
                    extraLists[k] ? (*extraLists[k])[i] : extra);
      for (Operation &inner : body.without_terminator())
        cloneAndVisit(b, inner, mapping);
      Operation *terminator = body.getTerminator();
      if (terminator->getNumOperands() != op->getNumResults())
        return;
      for (auto [k, v] : llvm::enumerate(terminator->getOperands()))
        outputs[k].push_back(mapping.lookupOrDefault(v));
    }
    for (auto [k, result] : llvm::enumerate(op->getResults()))
      lists[result] = std::move(outputs[k]);
    resolved.push_back(op);
  }
};

/// The graph outputs after resolution: a returned sequence of known,
/// non-zero length becomes one output per element, named `name[i]` (the C
/// API carries tensors only), and a returned optional known to hold a
/// value becomes that tensor (or that sequence's outputs); a returned
/// SequenceAt may now return a tensor typed differently from the declared
/// output (shape inference refines it again).
void updateOutputs(func::FuncOp func, SequenceResolver &resolver) {
  Operation *ret = func.getBody().front().getTerminator();
  SmallVector<Value> values;
  SmallVector<DictionaryAttr> attrs;
  MLIRContext *ctx = func.getContext();
  for (auto [i, v] : llvm::enumerate(ret->getOperands())) {
    DictionaryAttr attr = func.getResultAttrDict(i);
    if (isa<onnx::OptType>(v.getType())) {
      const SmallVector<Value> *held = resolver.lookupList(v);
      if (held && held->size() == 1)
        v = (*held)[0];
    }
    const SmallVector<Value> *list =
        isa<onnx::SeqType>(v.getType()) ? resolver.lookupList(v) : nullptr;
    auto name = attr ? attr.getAs<StringAttr>("onnx.name") : StringAttr();
    if (!list || list->empty() || !name) {
      values.push_back(v);
      attrs.push_back(attr);
      continue;
    }
    for (auto [k, element] : llvm::enumerate(*list)) {
      values.push_back(element);
      NamedAttrList named(attr);
      named.set("onnx.name",
                StringAttr::get(ctx, name.getValue() + "[" + Twine(k) + "]"));
      attrs.push_back(named.getDictionary(ctx));
    }
  }
  ret->setOperands(values);
  SmallVector<Type> results(ret->getOperandTypes());
  func.setFunctionType(
      FunctionType::get(ctx, func.getArgumentTypes(), results));
  func.setAllResultAttrs(attrs);
}

struct OnnxResolveSequencesPass
    : impl::OnnxResolveSequencesBase<OnnxResolveSequencesPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      SequenceResolver resolver;
      for (Block &block : func.getBody())
        resolver.run(block);
      if (func.getBody().hasOneBlock() &&
          SymbolTable::symbolKnownUseEmpty(func, getOperation()))
        updateOutputs(func, resolver);
      resolver.eraseDead();
    }
  }
};

} // namespace
} // namespace kiln
