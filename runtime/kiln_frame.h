/*===- kiln_frame.h - ABI between a compiled model kernel and the runtime -===*
 *
 * The one structure through which the runtime calls a model's compiled code.
 * Shared by codegen (which emits `<sym>_kernel`) and the runtime (which fills
 * the frame in m_run); plain C, no MLIR/LLVM.
 *
 * Kernel signature:   void <sym>_kernel(const kiln_frame *frame);
 *
 * - weights: base of the weights blob (embedded section or mmapped .weights
 *   file); every large constant is a view at a compile-time offset into it.
 * - arena:   the workspace of m_workspace_bytes() bytes (64-byte aligned);
 *   every intermediate buffer is a view at a compile-time offset into it.
 * - inputs/outputs: one dense row-major buffer per graph input/output, in
 *   graph order; outputs are allocated by the runtime with the shapes it
 *   derived from the inputs' dims.
 * - input_shapes/output_shapes: the full dims of each tensor (static dims
 *   included), so dynamic dims are read from here.
 * - runtime: opaque handle passed back to runtime services (thread pool).
 *===----------------------------------------------------------------------===*/

#ifndef KILN_RUNTIME_KILN_FRAME_H
#define KILN_RUNTIME_KILN_FRAME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kiln_frame {
  const void *weights;
  void *arena;
  void *const *inputs;
  const int64_t *const *input_shapes;
  void *const *outputs;
  const int64_t *const *output_shapes;
  void *runtime;
} kiln_frame;

typedef void (*kiln_kernel_fn)(const kiln_frame *frame);

#ifdef __cplusplus
}
#endif

#endif /* KILN_RUNTIME_KILN_FRAME_H */
