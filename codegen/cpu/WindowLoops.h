//===- WindowLoops.h - Vector loops over 2-D NCHW windows -------*- C++ -*-===//
//
// The loop nest shared by kiln-cpu-lower-depthwise-conv and
// kiln-cpu-lower-max-pool: every output vector of a sliding 2-D window
// kept in a register across the window's taps, parallel over (batch,
// channel), reading the input unpadded when a constant-padded copy of it
// folds away (findPaddedInput).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CPU_WINDOWLOOPS_H
#define KILN_CODEGEN_CPU_WINDOWLOOPS_H

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Support/LLVM.h"

#include <optional>

namespace kiln::cpu {

/// A static f32 memref of `rank` whose innermost dimension is contiguous.
bool isVectorizableBuffer(mlir::Value value, int64_t rank);

/// The constant (f32, defined outside) that `op` — linalg.fill, or a
/// linalg.map/generic without inputs yielding it — writes to all of
/// `buffer`, or null.
mlir::Value getFillValue(mlir::Operation *op, mlir::Value buffer);

/// A window op's input that is a padded copy of another buffer: `padded`
/// is an allocation filled with the constant `value`, then `source` copied
/// into its window at (top, left) of the two spatial dimensions.
struct PaddedInput {
  mlir::memref::AllocOp padded;
  mlir::Operation *fill = nullptr;
  mlir::memref::SubViewOp window;
  mlir::Operation *copy = nullptr;
  mlir::Value source;
  mlir::Value value;
  int64_t top = 0, left = 0;
};

/// The padded copy that `op` reads as `input` and writes `output`, when `op`
/// can read the copied buffer instead: the padded buffer is a fresh
/// allocation used only by the fill, the copy into its window and `op`
/// (deallocs aside); the source is another allocation, not used between the
/// copy and `op`, that `output` is no view of. Only distinct allocations
/// are known not to share memory (after memory planning they are views of
/// one arena: nothing folds then).
std::optional<PaddedInput> findPaddedInput(mlir::Operation *op,
                                           mlir::Value input,
                                           mlir::Value output);

/// After the op reading `pad.padded` was replaced (its loops end before
/// `end`): moves the source's deallocations that come earlier in that block
/// behind the loops and erases the fill, the copy and the padded buffer.
/// Call once the replaced op is erased.
void erasePaddedInput(const PaddedInput &pad, mlir::Operation *end);

/// What one window loop nest computes, through callbacks that build on
/// vectors (width = lanes) or scalars (width 0, the border columns).
struct WindowLoopSpec {
  /// [N, C, H, W] input (the unpadded source when `pad` is set) and
  /// [N, C, OH, OW] output.
  mlir::Value input, output;
  int64_t kh = 1, kw = 1, strideH = 1, strideW = 1, dilationH = 1,
          dilationW = 1;
  const PaddedInput *pad = nullptr;
  int64_t lanes = 16;
  /// Once per (n, c) before the rows (loads of per-channel values).
  llvm::function_ref<void(mlir::OpBuilder &, mlir::Location, mlir::Value c)>
      prepare;
  /// The accumulator's start; null: the output's current values.
  llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                 int64_t width)>
      init;
  /// acc combined with the input value `x` of tap (i, j) = tap i * kw + j.
  llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                 mlir::Value acc, mlir::Value x, int64_t tap,
                                 int64_t width)>
      combine;
  /// Applied to the final accumulator before the store; null: none.
  llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                 mlir::Value acc, int64_t width)>
      finish;
};

/// Whether a window op's `strides` and `dilations` suit the loops: 2-D, at
/// least 1, width stride at most 4 (beyond, most of each wide load would be
/// wasted).
bool isSupportedWindow(mlir::DenseIntElementsAttr strides,
                       mlir::DenseIntElementsAttr dilations);

/// The geometry of a kh x kw window op from `input` (its padded copy when
/// `pad` is set: the spec reads pad's source) to `output`; callbacks are
/// left to the caller. `pad` must outlive the spec.
WindowLoopSpec makeWindowLoopSpec(mlir::Value input, mlir::Value output,
                                  int64_t kh, int64_t kw,
                                  mlir::DenseIntElementsAttr strides,
                                  mlir::DenseIntElementsAttr dilations,
                                  const std::optional<PaddedInput> &pad,
                                  int64_t lanes);

/// Emits, at `b`'s insertion point,
///
///   scf.parallel (n, c)
///     scf.for oh
///       scf.for ow step lanes   -- acc = init; acc = combine(acc, x) per
///                                  tap; store finish(acc)
///
/// with a masked last vector and, for stride s > 1 along the width,
/// s-times wider masked loads of which every s-th lane is kept. With `pad`:
/// outputs whose taps all fall inside the source take that loop; border
/// rows clamp each tap's row and select the padding value outside; border
/// columns are computed one output at a time, each tap checked. Every
/// output combines the same values in the same order as on the padded
/// copy (the padding value for taps outside), so results are the same.
void emitWindowLoops(mlir::OpBuilder &b, mlir::Location loc,
                     const WindowLoopSpec &spec);

} // namespace kiln::cpu

#endif // KILN_CODEGEN_CPU_WINDOWLOOPS_H
