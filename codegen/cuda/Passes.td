//===- Passes.td - CUDA codegen passes ---------------------*- tablegen -*-===//
//
// Passes of the CUDA backend: from scf.parallel loop nests over kiln's
// buffer ABI to gpu.launch regions, and the NVVM clean-up that keeps kernels
// free of libdevice.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CUDA_PASSES_TD
#define KILN_CODEGEN_CUDA_PASSES_TD

include "mlir/Pass/PassBase.td"

def KilnCudaMapToGpu : Pass<"kiln-cuda-map-to-gpu", "::mlir::func::FuncOp"> {
  let summary = "Turn every top-level loop nest into a gpu.launch";
  let description = [{
    Every scf.parallel at the top level of a function becomes a 1-D
    `gpu.launch` of ceil(N / block-size) blocks of `block-size` threads,
    N being the product of its trip counts (computed on the host, so dynamic
    dims work); each thread delinearizes its id (innermost dim fastest, so
    consecutive threads touch consecutive elements) and runs the loop body
    once, guarded by id < N. Any other top-level op that touches memory
    (scf.for, scf.if, memref.load/store: reductions to a scalar, 0-d
    tensors) runs in a one-thread launch, because the buffers it reads are
    device memory. Top-level memref.alloc/dealloc (buffers whose size
    depends on dynamic dims, which the arena planner leaves alone) become
    stream-ordered gpu.alloc/gpu.dealloc, and top-level memref.copy
    between contiguous buffers a stream-ordered gpu.memcpy. The host keeps
    only view arithmetic, allocations, copies and launches.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads per block">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def KilnCudaTileContractions
    : Pass<"kiln-cuda-tile-contractions", "::mlir::func::FuncOp"> {
  let summary = "Register-tile two-input contractions (matmul, conv) per thread";
  let description = [{
    Rewrites a linalg op on buffers with two inputs, one init, at least one
    reduction loop, static loop ranges and no linalg.index (linalg.matmul,
    batch_matmul, conv_2d_nchw_fchw, and generics of that shape) into one
    scf.parallel whose every point computes a TM x TN tile of the output
    with the tile's accumulators in registers:

    - TN tiles the output's innermost dim n; X is the only input that
      depends on n. TM tiles the innermost other output dim m that X does
      not depend on and the other input Y does (matmul: m; conv: the
      output channel). Y must not depend on n.
    - Per point of the reduction loops (nested scf.for carrying the TM*TN
      accumulators), TN values of X and TM values of Y are loaded and the
      op's payload is cloned TM*TN times: TM+TN loads for TM*TN
      multiply-adds instead of two loads for each.
    - The scf.parallel's dims are the output's in its order, tiled dims
      counting tiles, so kiln-cuda-map-to-gpu gives consecutive threads
      consecutive n tiles (coalesced X loads, broadcast Y loads).
    - Ragged edges clamp their loads and guard their stores.

    Batch-1 contractions have few outputs and long reductions, so the
    first reduction loop may also be split into S chunks (an outer dim of
    the scf.parallel) when the payload is `out + f(in0, in1)` on f32: each
    thread sums its chunk from 0 and adds the tile into the output with
    memref.atomic_rmw addf (the summation order then varies from run to
    run). TM x TN x S is the first of TM x TN in 4x4, 2x4, 2x2, 1x4, 1x2,
    1x1 and S in 1, 2, 4, ..., 32 (chunks of at least 64 multiply-adds)
    that gives at least `min-tiles` threads, else the one with the most
    threads if that is more than one per output point (a GEMV); other ops
    stay one thread per output point.
  }];
  let options = [
    Option<"minTiles", "min-tiles", "int64_t", /*default=*/"65536",
           "Fewest tiles (threads) a tile size may leave">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def KilnCudaNameKernels : Pass<"kiln-cuda-name-kernels", "::mlir::ModuleOp"> {
  let summary = "Name every outlined kernel after its ONNX node";
  let description = [{
    After gpu-kernel-outlining every kernel is `<func>_kernel`. This pass
    renames each to `k<N>_<node>` (N counts launches in program order; node
    is the ONNX node name of the launch's location, made an identifier) and
    updates its launches, so PTX, profilers and KILN_CUDA_PROFILE name the
    node a kernel computes.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def KilnCudaExpandMath : Pass<"kiln-cuda-expand-math"> {
  let summary = "Expand sinh, cosh, tan and powf into exp/log/sin/cos";
  let description = [{
    The NVPTX backend has no instruction for these and convert-gpu-to-nvvm
    would call libdevice (not available without the CUDA toolkit). MLIR's
    math expansions rewrite them into exp, log, sin and cos (powf: with the
    sign and special-case handling of its expansion), which
    kiln-cpu-approximate-math then turns into polynomials. Runs before it.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def KilnCudaReplaceLibdevice
    : Pass<"kiln-cuda-replace-libdevice", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Replace calls to libdevice (__nv_*) by LLVM intrinsics";
  let description = [{
    convert-gpu-to-nvvm lowers math ops to calls into libdevice, which only
    exists in the CUDA toolkit. The transcendental functions were already
    approximated by polynomials (kiln-cpu-approximate-math); the remaining
    calls (fabs, sqrt, floor, ceil, fma, min/max, ...) map to LLVM
    intrinsics that the NVPTX backend selects to single PTX instructions.
    Any other `__nv_*` call is an error naming the function.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // KILN_CODEGEN_CUDA_PASSES_TD
