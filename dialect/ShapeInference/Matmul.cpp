//===- Matmul.cpp - Inference rules of Gemm and MatMul --------------------===//
//
// Gemm (2-D, optional transposes) and numpy-style MatMul (1-D operands
// promoted and squeezed back, batch dims broadcast), their integer and
// quantized variants, which only differ in the element type, and Einsum.
//
//===----------------------------------------------------------------------===//

#include "dialect/ShapeInference/ShapeInference.h"

#include "dialect/OnnxDialect.h"

#include "llvm/ADT/DenseMap.h"

using namespace mlir;

namespace kiln::onnx {
namespace {

/// Fails with a diagnostic when two contraction dims are statically unequal.
LogicalResult checkContraction(Operation *op, const Dim &lhs, const Dim &rhs) {
  if (lhs.isStatic() && rhs.isStatic() && lhs.getSize() != rhs.getSize())
    return op->emitOpError() << "expects equal contraction dims, got "
                             << lhs.getSize() << " and " << rhs.getSize();
  return success();
}

LogicalResult inferGemm(GemmOp op, InferredResults &results) {
  std::optional<DimList> a = getDims(op.getA());
  std::optional<DimList> b = getDims(op.getB());
  if (!a || !b)
    return success();
  if (a->size() != 2 || b->size() != 2)
    return op.emitOpError() << "expects 2-D A and B, got ranks " << a->size()
                            << " and " << b->size();
  bool transA = op.getTransA() != 0, transB = op.getTransB() != 0;
  Dim m = (*a)[transA ? 1 : 0], kA = (*a)[transA ? 0 : 1];
  Dim kB = (*b)[transB ? 1 : 0], n = (*b)[transB ? 0 : 1];
  if (failed(checkContraction(op, kA, kB)))
    return failure();
  results.setShape(0, {m, n});
  return success();
}

/// The numpy matmul shape of `a` x `b`; std::nullopt when an operand is
/// unranked. Emits an error on mismatched contraction or batch dims.
FailureOr<std::optional<DimList>> getMatmulShape(Operation *op, Value a,
                                                 Value b) {
  std::optional<DimList> lhs = getDims(a);
  std::optional<DimList> rhs = getDims(b);
  if (!lhs || !rhs)
    return std::optional<DimList>();
  if (lhs->empty() || rhs->empty())
    return op->emitOpError() << "expects operands of rank >= 1";
  bool vectorA = lhs->size() == 1, vectorB = rhs->size() == 1;
  if (vectorA)
    lhs->insert(lhs->begin(), Dim::get(1));
  if (vectorB)
    rhs->push_back(Dim::get(1));
  if (failed(checkContraction(op, lhs->back(), (*rhs)[rhs->size() - 2])))
    return failure();
  FailureOr<DimList> batch = broadcastShapes(ArrayRef<Dim>(*lhs).drop_back(2),
                                             ArrayRef<Dim>(*rhs).drop_back(2));
  if (failed(batch))
    return op->emitOpError() << "expects broadcast-compatible batch dims";
  DimList output = *batch;
  if (!vectorA)
    output.push_back((*lhs)[lhs->size() - 2]);
  if (!vectorB)
    output.push_back(rhs->back());
  return std::optional<DimList>(std::move(output));
}

/// Sets result 0 to the matmul of `a` and `b` with `elementType` (null: the
/// result keeps its own).
LogicalResult setMatmulResult(Operation *op, InferredResults &results, Value a,
                              Value b, Type elementType) {
  FailureOr<std::optional<DimList>> shape = getMatmulShape(op, a, b);
  if (failed(shape))
    return failure();
  if (*shape)
    results.setShape(0, **shape, elementType);
  else if (elementType)
    results.setElementType(0, elementType);
  return success();
}

LogicalResult inferMatMul(MatMulOp op, InferredResults &results) {
  return setMatmulResult(op, results, op.getA(), op.getB(),
                         getShapeInfo(op.getA()).elementType);
}

LogicalResult inferMatMulInteger(MatMulIntegerOp op, InferredResults &results) {
  return setMatmulResult(op, results, op.getA(), op.getB(),
                         IntegerType::get(op.getContext(), 32));
}

/// QLinearMatMul: the output element type is that of y_zero_point.
LogicalResult inferQLinearMatMul(QLinearMatMulOp op, InferredResults &results) {
  return setMatmulResult(op, results, op.getA(), op.getB(),
                         getShapeInfo(op.getYZeroPoint()).elementType);
}

/// Einsum: each letter names one dim across all terms; `...` stands for
/// broadcast leading dims. Without `->`, the output is the ellipsis dims
/// followed by the letters used once, in alphabetical order.
LogicalResult inferEinsum(EinsumOp op, InferredResults &results) {
  std::string equation;
  for (char c : op.getEquation())
    if (c != ' ')
      equation.push_back(c);
  StringRef text(equation);
  auto [lhs, rhs] = text.split("->");
  bool explicitOutput = text.contains("->");
  SmallVector<StringRef> terms;
  lhs.split(terms, ',');
  if (terms.size() != op.getInputs().size())
    return op.emitOpError() << "expects " << op.getInputs().size()
                            << " terms in the equation, got " << terms.size();
  llvm::DenseMap<char, Dim> letters;
  llvm::DenseMap<char, unsigned> uses;
  DimList ellipsis;
  bool anyEllipsis = false;
  for (auto [term, input] : llvm::zip_equal(terms, op.getInputs())) {
    std::optional<DimList> dims = getDims(input);
    if (!dims)
      return success();
    size_t dots = term.find("...");
    std::string named = term.str();
    if (dots != StringRef::npos)
      named.erase(dots, 3);
    int64_t ellipsisRank = static_cast<int64_t>(dims->size()) - named.size();
    if (ellipsisRank < 0 || (dots == StringRef::npos && ellipsisRank != 0))
      return op.emitOpError() << "expects term '" << term
                              << "' to match an input of rank "
                              << dims->size();
    size_t d = 0;
    for (size_t i = 0; i < term.size(); ++i) {
      if (i == dots) {
        anyEllipsis = true;
        ArrayRef<Dim> part = ArrayRef<Dim>(*dims).slice(d, ellipsisRank);
        FailureOr<DimList> merged = broadcastShapes(ellipsis, part);
        if (failed(merged))
          return op.emitOpError() << "expects broadcast-compatible '...' dims";
        ellipsis = *merged;
        d += ellipsisRank;
        i += 2;
        continue;
      }
      char letter = term[i];
      const Dim &dim = (*dims)[d++];
      ++uses[letter];
      auto [it, inserted] = letters.try_emplace(letter, dim);
      if (!inserted && !it->second.isKnownEqual(dim))
        it->second = it->second.is(1) || dim.isStatic() ? dim : it->second;
    }
  }
  DimList output;
  if (explicitOutput) {
    for (size_t i = 0; i < rhs.size(); ++i) {
      if (rhs.substr(i).starts_with("...")) {
        output.append(ellipsis.begin(), ellipsis.end());
        i += 2;
        continue;
      }
      auto it = letters.find(rhs[i]);
      if (it == letters.end())
        return op.emitOpError() << "expects output letter '" << rhs[i]
                                << "' to appear in an input term";
      output.push_back(it->second);
    }
  } else {
    if (anyEllipsis)
      output.append(ellipsis.begin(), ellipsis.end());
    SmallVector<char> once;
    for (auto &[letter, count] : uses)
      if (count == 1)
        once.push_back(letter);
    llvm::sort(once);
    for (char letter : once)
      output.push_back(letters[letter]);
  }
  results.setShape(0, output);
  return success();
}

const InferenceRule kMatmulRules[] = {
    typedRule<EinsumOp, inferEinsum>(12),
    typedRule<GemmOp, inferGemm>(13),
    typedRule<MatMulOp, inferMatMul>(13),
    typedRule<MatMulIntegerOp, inferMatMulInteger>(10),
    typedRule<QLinearMatMulOp, inferQLinearMatMul>(21),
};

} // namespace

ArrayRef<InferenceRule> getMatmulInferenceRules() { return kMatmulRules; }

} // namespace kiln::onnx
