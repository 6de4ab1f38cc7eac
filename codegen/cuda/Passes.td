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
