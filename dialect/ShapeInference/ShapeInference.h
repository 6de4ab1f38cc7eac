//===- ShapeInference.h - Shape and type inference of onnx ops -*- C++ -*-===//
//
// The shared vocabulary of onnx shape inference: a dimension that is static,
// dynamic, or dynamic with a symbol (`#onnx.dims`); reading what a value's
// type says about its shape; building refined tensor types; broadcasting
// that knows equal symbols are equal; reading constant inputs and the values
// of small shape tensors (`Shape` -> `Gather` -> `Concat` -> `Reshape`
// chains); and the table-driven registry of per-op inference rules, one
// table per op family (Elementwise.cpp, Conv.cpp, Matmul.cpp, ...).
//
// A rule only computes what it knows about its op's results; inferShapes()
// merges that into the existing result types, never making them less
// precise, and reports a conflict with an existing static shape as an error.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DIALECT_SHAPEINFERENCE_SHAPEINFERENCE_H
#define KILN_DIALECT_SHAPEINFERENCE_SHAPEINFERENCE_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>

namespace kiln::onnx {

//===----------------------------------------------------------------------===//
// Dimensions and shapes
//===----------------------------------------------------------------------===//

/// One dimension of a tensor: a static size, or a dynamic size that may carry
/// a symbol. Two dynamic dims with the same symbol are equal at run time.
///
/// The same class also describes one element of a small integer tensor whose
/// value shape inference tracks (a "shape value"): a known integer (which may
/// be negative, e.g. the -1 of a Reshape target), or a run-time value equal
/// to the size of the dimension named by the symbol, or unknown.
class Dim {
public:
  /// An unknown dynamic dimension (`?` without symbol).
  Dim() = default;
  /// A static dimension (or a known integer value).
  static Dim get(int64_t size) { return Dim(size, {}); }
  static Dim unknown() { return Dim(); }
  /// A dynamic dimension named `symbol`; unknown if `symbol` is null/empty.
  static Dim symbolic(mlir::StringAttr symbol);

  bool isStatic() const { return size != mlir::ShapedType::kDynamic; }
  bool isDynamic() const { return !isStatic(); }
  bool hasSymbol() const { return static_cast<bool>(symbol); }
  /// The static size, or ShapedType::kDynamic.
  int64_t getSize() const { return size; }
  /// The symbol of a dynamic dim, null if none.
  mlir::StringAttr getSymbol() const { return symbol; }
  /// True when both are known to be equal at run time: same static size, or
  /// the same symbol.
  bool isKnownEqual(const Dim &other) const;
  /// True when the dim is the static size `value`.
  bool is(int64_t value) const { return isStatic() && size == value; }

  bool operator==(const Dim &other) const {
    return size == other.size && symbol == other.symbol;
  }
  bool operator!=(const Dim &other) const { return !(*this == other); }

private:
  Dim(int64_t size, mlir::StringAttr symbol) : size(size), symbol(symbol) {}
  int64_t size = mlir::ShapedType::kDynamic;
  mlir::StringAttr symbol;
};

using DimList = llvm::SmallVector<Dim, 4>;

/// Prints dims as `[N, 3, ?, 224]`.
void printDims(llvm::raw_ostream &os, llvm::ArrayRef<Dim> dims);

/// What a value's type says about it: the element type (null when the value
/// is no tensor) and the dims (std::nullopt when unranked or no tensor).
struct ShapeInfo {
  mlir::Type elementType;
  std::optional<DimList> dims;

  bool hasRank() const { return dims.has_value(); }
  int64_t getRank() const { return dims ? dims->size() : -1; }
};

/// Reads the element type and (symbolic) dims of a tensor-typed value.
ShapeInfo getShapeInfo(mlir::Value value);
ShapeInfo getShapeInfo(mlir::Type type);

/// The dims of a ranked tensor value, std::nullopt otherwise.
std::optional<DimList> getDims(mlir::Value value);

/// Builds `tensor<dims x elementType>`, with an `#onnx.dims` encoding when
/// some dim has a symbol.
mlir::RankedTensorType makeTensorType(llvm::ArrayRef<Dim> dims,
                                      mlir::Type elementType);

/// Product of static dims; std::nullopt when one is dynamic.
std::optional<int64_t> getStaticProduct(llvm::ArrayRef<Dim> dims);

/// Multidirectional (numpy) broadcasting of two dims: equal dims (same size
/// or same symbol) stay, 1 yields to the other, a static size other than 1
/// wins over a dynamic dim, two different dynamic dims give `?`. Fails on
/// two different static sizes that are not 1.
mlir::FailureOr<Dim> broadcastDim(const Dim &lhs, const Dim &rhs);

/// Multidirectional broadcasting of two shapes; fails when incompatible.
mlir::FailureOr<DimList> broadcastShapes(llvm::ArrayRef<Dim> lhs,
                                         llvm::ArrayRef<Dim> rhs);

/// Merges two dims known to describe the same run-time size (e.g. the
/// results of two If branches): keeps them where equal, `?` otherwise.
Dim joinDim(const Dim &lhs, const Dim &rhs);

/// Normalizes an ONNX axis (negative counts from the back) to [0, rank);
/// std::nullopt when out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

//===----------------------------------------------------------------------===//
// Constant inputs and shape values
//===----------------------------------------------------------------------===//

/// The elements of a constant integer tensor (an `onnx.Constant` with a dense
/// or resource `value`), sign-extended; std::nullopt when `value` is not one.
std::optional<llvm::SmallVector<int64_t>> getConstantInts(mlir::Value value);

/// The elements of a constant floating-point tensor, as doubles.
std::optional<llvm::SmallVector<double>> getConstantFloats(mlir::Value value);

/// The values of a 0-D or 1-D integer tensor as far as shape inference can
/// tell: constants, and the sizes of dims read by `Shape` and passed through
/// Gather/Slice/Concat/Unsqueeze/Squeeze/Reshape/Cast/Identity and integer
/// arithmetic. The length is always known when a value is returned; elements
/// may be unknown.
std::optional<DimList> getShapeValue(mlir::Value value);

/// Reads an optional I64ArrayAttr getter's value.
llvm::SmallVector<int64_t> getI64Array(std::optional<mlir::ArrayAttr> attr);

//===----------------------------------------------------------------------===//
// Inference rules and the registry
//===----------------------------------------------------------------------===//

/// The result types an inference rule computed for one op. Results a rule
/// does not set stay as they are.
class InferredResults {
public:
  explicit InferredResults(mlir::Operation *op);

  mlir::Operation *getOp() const { return op; }
  mlir::MLIRContext *getContext() const { return op->getContext(); }

  /// Sets result `index` to a ranked tensor of `dims`; a null `elementType`
  /// keeps the result's current element type.
  void setShape(unsigned index, llvm::ArrayRef<Dim> dims,
                mlir::Type elementType = {});
  /// Sets only the element type of result `index` (its shape stays unknown).
  void setElementType(unsigned index, mlir::Type elementType);
  /// Sets result `index` to what `info` says (a ranked or an unranked type).
  void set(unsigned index, const ShapeInfo &info);

  llvm::ArrayRef<std::optional<ShapeInfo>> getResults() const {
    return results;
  }

private:
  mlir::Operation *op;
  llvm::SmallVector<std::optional<ShapeInfo>> results;
};

/// An inference rule: computes what it can about `op`'s results. Returns
/// failure (after emitting a diagnostic) only when the op is invalid.
using InferenceFn = mlir::LogicalResult (*)(mlir::Operation *op,
                                            InferredResults &results);

/// One row of a family's rule table.
struct InferenceRule {
  /// Full op name, e.g. "onnx.Conv".
  llvm::StringLiteral opName;
  /// The ONNX op version (since-version) the rule implements; it must match
  /// the version the dialect was generated from.
  int64_t sinceVersion;
  InferenceFn infer;
};

namespace detail {
template <typename OpTy, auto Fn>
mlir::LogicalResult adaptTypedRule(mlir::Operation *op,
                                   InferredResults &results) {
  return Fn(llvm::cast<OpTy>(op), results);
}
} // namespace detail

/// A table row for `OpTy` whose rule takes the typed op:
/// `LogicalResult Fn(OpTy op, InferredResults &results)`.
template <typename OpTy, auto Fn>
constexpr InferenceRule typedRule(int64_t sinceVersion) {
  return {OpTy::getOperationName(), sinceVersion,
          &detail::adaptTypedRule<OpTy, Fn>};
}

/// A table row for `OpTy` whose rule is shared by several ops and works on
/// the generic Operation.
template <typename OpTy>
constexpr InferenceRule genericRule(int64_t sinceVersion, InferenceFn fn) {
  return {OpTy::getOperationName(), sinceVersion, fn};
}

/// The rule tables of each op family.
llvm::ArrayRef<InferenceRule> getElementwiseInferenceRules();
llvm::ArrayRef<InferenceRule> getConvInferenceRules();
llvm::ArrayRef<InferenceRule> getMatmulInferenceRules();
llvm::ArrayRef<InferenceRule> getNormalizationInferenceRules();
llvm::ArrayRef<InferenceRule> getShapeInferenceRules();
llvm::ArrayRef<InferenceRule> getIndexingInferenceRules();
llvm::ArrayRef<InferenceRule> getSpatialInferenceRules();
llvm::ArrayRef<InferenceRule> getReductionInferenceRules();
llvm::ArrayRef<InferenceRule> getControlFlowInferenceRules();

/// Every registered rule, in table order.
llvm::SmallVector<const InferenceRule *> getAllInferenceRules();

/// The rule for an op name, or null when there is none.
const InferenceRule *lookupInferenceRule(llvm::StringRef opName);

/// Merges `inferred` into `existing` (the current type of result `index` of
/// `op`): the result is at least as precise as `existing`. Emits an error
/// on `op` and fails when a static dim, the rank or the element type
/// conflicts.
mlir::FailureOr<mlir::Type> refineType(mlir::Operation *op, unsigned index,
                                       mlir::Type existing,
                                       const ShapeInfo &inferred);

/// Runs `op`'s rule, if it has one, and refines its result types in place.
/// Ops without a rule are left as they are. Fails (with a diagnostic) on an
/// invalid op or a conflict with an existing result type.
mlir::LogicalResult inferShapes(mlir::Operation *op);

/// Gives the block arguments of `op`'s regions the types ONNX defines for
/// them (Loop/Scan bodies), refining existing types. Call it before the ops
/// inside the regions are inferred. A no-op for ops without such regions.
mlir::LogicalResult inferRegionArgumentTypes(mlir::Operation *op);

} // namespace kiln::onnx

#endif // KILN_DIALECT_SHAPEINFERENCE_SHAPEINFERENCE_H
