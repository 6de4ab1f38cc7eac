//===- Utils.h - Helpers shared by the onnx -> linalg patterns ------------===//
//
// Builders every op family needs: broadcasting elementwise generics,
// reductions, scalar constants and casts, constant-operand readers, dynamic
// sizes, and reshapes by unit dimensions.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LOWERING_TOLINALG_UTILS_H
#define KILN_LOWERING_TOLINALG_UTILS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/Transforms/DialectConversion.h"

namespace kiln {

/// Builds a scalar from the scalar operands of one elementwise point.
using ScalarBodyFn = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// Whether `type` (a tensor or scalar type of the onnx dialect) has an
/// unsigned integer element type; arith works on signless integers, so the
/// patterns carry signedness from the original (unconverted) types.
bool isUnsignedElement(mlir::Type type);

/// The onnx-side symbol of dimension `dim` of `type` (the `#onnx.dims`
/// encoding), or "" when there is none.
llvm::StringRef getDimSymbol(mlir::Type type, int64_t dim);

/// Normalizes a possibly negative ONNX axis into [0, rank); failure when out
/// of range.
mlir::FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// Emits a run-time check of a value the model's own data decides (axes,
/// shapes, sizes given as graph inputs or computed): when `ok` (i1) is false
/// at run time the kernel stops and m_run returns KILN_ERR_INVALID_ARGUMENT
/// with `what` and the node's name as the message. A `cf.assert`, which
/// codegen turns into a runtime error (kiln-cpu-lower-runtime-checks).
void emitRuntimeCheck(mlir::OpBuilder &b, mlir::Operation *op, mlir::Value ok,
                      const llvm::Twine &what);

/// The run-time bit mask (an index) of the axes in the 1-D i64 tensor
/// `axes` over `rank` dims (rank <= 62): bit d is set when d or d - rank is
/// listed. An out-of-range or repeated axis sets bit `rank` instead, which
/// no candidate of buildMaskSwitch has, so it ends in the failed check.
mlir::Value buildAxesMask(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value axes, int64_t rank);

/// An scf.index_switch on `mask` with one case per entry of `candidates`,
/// whose value `build(b, candidate)` gives (cast to `resultType`); any other
/// mask fails the run-time check `what` of `op`. For ops whose axes are a
/// run-time input: every axis set the static shapes allow is lowered.
mlir::Value buildMaskSwitch(
    mlir::OpBuilder &b, mlir::Operation *op, mlir::Value mask,
    llvm::ArrayRef<int64_t> candidates, mlir::RankedTensorType resultType,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, int64_t)> build,
    const llvm::Twine &what);

/// The integer values of a constant tensor (an onnx.Constant or
/// arith.constant, looked through unrealized casts), or failure.
mlir::FailureOr<llvm::SmallVector<int64_t>> getConstantInts(mlir::Value value);
/// The float values of a constant tensor, or failure.
mlir::FailureOr<llvm::SmallVector<double>> getConstantFloats(mlir::Value value);

/// A scalar constant of `type` (float, integer or index) holding `value`.
mlir::Value createScalarConstant(mlir::OpBuilder &b, mlir::Location loc,
                                 mlir::Type type, double value);
/// The largest/lowest finite-or-infinite value of `type` (+-inf for floats,
/// max/min for integers), the identity of max/min reductions.
mlir::Value createLowestValue(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Type type, bool isUnsigned);
mlir::Value createHighestValue(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::Type type, bool isUnsigned);

/// Converts a scalar between element types with ONNX Cast semantics
/// (float->int truncates toward zero, saturating, NaN->0; x->bool is x != 0;
/// float8/float4 round to nearest even and saturate, see NarrowFloat.h).
mlir::Value convertScalar(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value value, mlir::Type dstType,
                          bool srcUnsigned, bool dstUnsigned);

/// The sizes of every dimension of `value` (static as attributes).
llvm::SmallVector<mlir::OpFoldResult> getSizes(mlir::OpBuilder &b,
                                               mlir::Location loc,
                                               mlir::Value value);
/// The size of dimension `dim` of `value` as an index value.
mlir::Value getDimValue(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Value value, int64_t dim);

/// A tensor.empty of `type`, taking dynamic sizes from `sizes` (one entry per
/// dimension; entries of static dims are ignored).
mlir::Value createEmpty(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType type,
                        llvm::ArrayRef<mlir::OpFoldResult> sizes);
/// A tensor of `type` filled with `value`.
mlir::Value createFilled(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::RankedTensorType type,
                         llvm::ArrayRef<mlir::OpFoldResult> sizes,
                         mlir::Value value);

/// Builds a linalg.generic computing `body` at every point of `resultType`
/// with numpy (multidirectional) broadcasting of `inputs`. Null entries of
/// `inputs` (omitted optional operands) reach `body` as null values.
/// `origTypes` are the onnx-side types of the inputs and `origResultType`
/// the onnx-side result type: their `#onnx.dims` symbols prove dynamic dims
/// equal. Dynamic dims nothing proves equal are broadcast at run time.
/// `resultSizes`, when given, are the result's sizes. `knownEqual` says the
/// caller built the inputs so that their non-unit dims equal the result's
/// (internal broadcasts of a reduction against its input).
mlir::Value buildBroadcastGeneric(
    mlir::OpBuilder &b, mlir::Location loc, llvm::ArrayRef<mlir::Value> inputs,
    llvm::ArrayRef<mlir::Type> origTypes, mlir::RankedTensorType resultType,
    mlir::Type origResultType, ScalarBodyFn body,
    llvm::ArrayRef<mlir::OpFoldResult> resultSizes = {},
    bool knownEqual = false);

/// buildBroadcastGeneric for inputs built by the lowering itself, whose
/// non-unit dims are known to equal the result's (`resultLike`'s sizes).
mlir::Value buildInternalBroadcast(mlir::OpBuilder &b, mlir::Location loc,
                                   llvm::ArrayRef<mlir::Value> inputs,
                                   mlir::Value resultLike,
                                   mlir::Type resultElementType,
                                   ScalarBodyFn body);

/// The type float16/bfloat16 arithmetic accumulates in (f32, as ORT and the
/// ONNX reference do); other types accumulate in themselves.
mlir::Type getAccumulationType(mlir::Type elementType);

/// `value` with its elements converted to `elementType` (arith.extf/truncf
/// for floats); `value` itself when the types already agree.
mlir::Value castElements(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value value, mlir::Type elementType);

/// Reduces `input` over the sorted, unique `axes`, starting from `init` and
/// folding each (optionally `map`ped) element into the accumulator with
/// `combine(b, loc, {element, accumulator})`. The reduced dims are dropped.
mlir::Value buildReduction(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value input, llvm::ArrayRef<int64_t> axes,
                           mlir::Value init, ScalarBodyFn combine);

/// Reduces `data` along `axis` to (extreme value, i64 index) pairs: the
/// maximum (`isMax`) or minimum, at its first occurrence unless `last`.
/// The axis is dropped.
std::pair<mlir::Value, mlir::Value>
buildArgReduction(mlir::OpBuilder &b, mlir::Location loc, mlir::Value data,
                  int64_t axis, bool isMax, bool last, bool isUnsigned);

/// Inserts unit dims into `value` so that it gets `resultType`; `isUnit[i]`
/// says whether dim i of the result is an inserted unit dim.
mlir::Value expandUnitDims(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value value, mlir::RankedTensorType resultType,
                           llvm::ArrayRef<bool> isUnit);
/// Drops the unit dims `isUnit[i]` of `value`, giving `resultType`.
mlir::Value collapseUnitDims(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value value,
                             mlir::RankedTensorType resultType,
                             llvm::ArrayRef<bool> isUnit);

/// The product of `sizes` as an index value.
mlir::Value getProduct(mlir::OpBuilder &b, mlir::Location loc,
                       llvm::ArrayRef<mlir::OpFoldResult> sizes);

/// The converted ranked result type of `op`'s result `index`, or null.
mlir::RankedTensorType getConvertedResultType(const mlir::TypeConverter &tc,
                                              mlir::Operation *op,
                                              unsigned index = 0);

/// All-parallel iterator types.
llvm::SmallVector<mlir::utils::IteratorType> parallelIterators(unsigned n);

} // namespace kiln

namespace kiln {
/// Numerically stable softmax (or, with `isLog`, log-softmax) of the ranked
/// float tensor `x` along `axis` (already normalized): max-subtract, exp,
/// sum, then divide (or x - max - log(sum)).
mlir::Value buildSoftmax(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                         int64_t axis, bool isLog);
} // namespace kiln

#endif // KILN_LOWERING_TOLINALG_UTILS_H

namespace kiln {

/// The window of a convolution or pooling op over its spatial dims, with
/// pads resolved (explicit, or auto_pad SAME_UPPER/SAME_LOWER/VALID) and the
/// extra end padding ceil_mode needs folded into `padsEnd`.
struct WindowGeometry {
  llvm::SmallVector<int64_t> kernel, strides, dilations, padsBegin, padsEnd;
};

/// Resolves the window attributes of `op` for an input of type `inputType`
/// (N, C, spatial...) and the converted result type. Failure (with a match
/// failure note) when the attributes are malformed or SAME padding meets a
/// dynamic spatial dim.
mlir::FailureOr<WindowGeometry>
getWindowGeometry(mlir::RewriterBase &rewriter, mlir::Operation *op,
                  mlir::RankedTensorType inputType,
                  llvm::ArrayRef<int64_t> kernel, mlir::ArrayAttr strides,
                  mlir::ArrayAttr dilations, mlir::ArrayAttr pads,
                  llvm::StringRef autoPad, bool ceilMode,
                  mlir::RankedTensorType resultType);

/// The output size of one windowed spatial dim (floor mode) for an input
/// size `in`.
mlir::OpFoldResult getWindowOutputSize(mlir::OpBuilder &b, mlir::Location loc,
                                       mlir::OpFoldResult in, int64_t kernel,
                                       int64_t stride, int64_t dilation,
                                       int64_t padsTotal);

/// Pads the spatial dims (2..) of `input` with `padValue`.
mlir::Value padSpatial(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value input, llvm::ArrayRef<int64_t> padsBegin,
                       llvm::ArrayRef<int64_t> padsEnd, mlir::Value padValue);

} // namespace kiln

namespace kiln {
/// Re-inserts the reduced `axes` of a reduction of a `fullType` tensor as
/// unit dims, so the result broadcasts against the input numpy-style.
mlir::Value restoreReducedDims(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::Value reduced,
                               mlir::RankedTensorType fullType,
                               llvm::ArrayRef<int64_t> axes);
} // namespace kiln

namespace kiln {
/// `lhs + rhs`, folded to an attribute when both are constant.
mlir::OpFoldResult addSizes(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::OpFoldResult lhs, mlir::OpFoldResult rhs);
} // namespace kiln
