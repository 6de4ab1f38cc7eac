//===- UKernelEpilogue.h - Matching what a microkernel call absorbs -*- C++ -*-===//
//
// Helpers of kiln-cpu-lower-to-ukernels on bufferized IR: the bias
// broadcast that initializes a convolution's output, the elementwise
// consumers (residual add, Relu/Clip) that become the kernel's epilogue,
// and the aliasing facts that make redirecting the output legal.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CPU_UKERNELEPILOGUE_H
#define KILN_CODEGEN_CPU_UKERNELEPILOGUE_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"

namespace kiln::cpu {

/// `linalg.generic` that only broadcasts a contiguous f32 vector along dim
/// `dim` into `out` (a bias init): the vector, or null.
mlir::Value matchBroadcastInit(mlir::Operation *op, mlir::Value out,
                               unsigned dim);

/// matchBroadcastInit along dim 1 (a convolution's bias over channels).
mlir::Value matchChannelBiasInit(mlir::Operation *op, mlir::Value out);

/// An elementwise consumer `output = clamp(in [+ residual])`.
struct ElementwiseEpilogue {
  mlir::Value output;
  mlir::Value residual; // null: none
  bool clamp = false;
  float lo = 0, hi = 0;
};

/// Matches `op` as a `linalg.generic` over identity maps, reading `in` (and
/// at most one other buffer of the same type, added), then
/// maximumf/minimumf with constants (Relu, Clip), writing one buffer of
/// `in`'s type. At least one of the add or the clamp.
mlir::FailureOr<ElementwiseEpilogue> matchElementwiseEpilogue(
    mlir::Operation *op, mlir::Value in);

/// Whether buffers `a` and `b` provably share no byte: different function
/// arguments or constant globals, or constant-offset static views of one
/// argument that do not intersect (through reshapes and casts).
bool provablyDisjoint(mlir::Value a, mlir::Value b);

/// The nearest op after/before `op` in its block that may touch memory
/// (views, constants, index arithmetic and allocations in between are
/// skipped); null at
/// the block's end/start.
mlir::Operation *nextWithMemoryEffects(mlir::Operation *op);
mlir::Operation *previousWithMemoryEffects(mlir::Operation *op);

} // namespace kiln::cpu

#endif // KILN_CODEGEN_CPU_UKERNELEPILOGUE_H
