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

def KilnCudaOrderLoops : Pass<"kiln-cuda-order-loops", "::mlir::func::FuncOp"> {
  let summary = "Order a linalg op's parallel loops as its output is laid out";
  let description = [{
    kiln-cuda-map-to-gpu gives consecutive threads consecutive values of a
    loop nest's innermost parallel loop. Named ops whose loops do not follow
    the output's layout (linalg.depthwise_conv_2d_nchw_chw iterates
    (n, oh, ow, c, kh, kw) over an NCHW output) would then have
    neighbouring threads write a channel apart. This pass generalizes such
    ops on buffers and interchanges their loops to [the parallel loops in
    the order of the output's dims, the reduction loops], so that the
    innermost parallel loop walks the output's contiguous dimension and
    convert-linalg-to-parallel-loops puts every parallel loop in the
    scf.parallel. Ops already in that order, and ops whose output map is
    not a permutation of their parallel loops, are left alone.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

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
    device memory. Where the host uses such an op's scalar results (a
    shape element read from a tensor, a size computed by a loop), the
    thread stores each into a device scratch buffer that `gpu.memcpy`
    copies into a host `memref.alloca` (the runtime waits for a copy into
    host memory), the host reads it there, and the function gets the unit
    attribute `kiln.host_reads_device` (its runs are not CUDA graphs).
    Control flow that carries buffers or contains loop nests (scf.for,
    scf.while, scf.if with memref results, or an scf.parallel inside:
    Loop, Scan, If and recurrences over a sequence) stays on the host
    instead: its regions are mapped as the function's body is, so each
    loop nest in it is a launch and the buffers it carries stay host-side
    pointers. Top-level memref.alloc/dealloc (buffers whose size
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

def KilnCudaGemmKernels
    : Pass<"kiln-cuda-gemm-kernels", "::mlir::ModuleOp"> {
  let summary = "Matmul-shaped contractions as shared-memory tiled kernels";
  let description = [{
    Rewrites a top-level linalg op on buffers whose payload is
    `out + x * y` on f32, whose output map is a projected permutation and
    whose input maps are sums of loops times constants, into one
    `gpu.launch`. X is the input that reads the innermost output loop. The
    output loops longer than 1 that only X reads form the group N, those
    only Y reads the group M, the others are batch loops; the reduction
    loops longer than 1 (read by both inputs) form K, in the order of Y's
    layout. Each group is flattened (its loops recovered by div/rem), so
    matmul, batch_matmul, transposed forms and generics of that shape, and
    convolutions as implicit GEMMs (M: output channels, N: (n,) oh, ow, K:
    c, kh, kw; no im2col buffer) all take the same kernel when M, N >= 32
    and K >= 16:

    - Grid: N / BN x M / BM x (batch x S), 256 threads. BM = BN = 128 when
      that gives at least `min-blocks` blocks, else 64; when that is still
      too few, K is split into S chunks (whole 16-wide steps, at least 4
      per chunk) whose partial tiles are added into the output with f32
      atomics (so the sum's order varies from run to run).
    - Per 16-wide K step, the A (BM x 16) and B (16 x BN) slices go to two
      workgroup buffers (k-major, rows padded by 8 to spread the banks),
      loaded by consecutive threads along K or along the operand's M/N
      group, whichever is closer in memory (coalesced), edges clamped and
      zero-filled. The next step's slices
      are loaded into registers before this step's math (software
      pipelining across the two barriers).
    - `precision=fp32`: SIMT, 16 x 16 threads, each owning 4x4 (BM = 64)
      or 8x8 (BM = 128) outputs as 4x4 blocks, fma from shared memory.
      `tf32`: 8 warps (2 x 4) of `nvgpu.mma.sync` m16n8k8 with tf32
      operands; `fp16`: m16n8k16 with the slices rounded to f16 in shared
      memory. Both accumulate in f32.
    - `wgmma=true` (--cuda-arch sm_90 with tf32/fp16): the
      slices are stored (f16, or f32 rounded to tf32) in the no-swizzle
      K-major core-matrix layout of wgmma's shared-memory descriptors
      (8 rows x 16 bytes per core matrix), `nvvm.fence.proxy` (async
      shared) before the barrier, then each of the 2 warpgroups issues
      `nvvm.wgmma.mma_async` m64nNk16 (f16) / m64nNk8 (tf32) on its
      64 x BN (BM = 128) or 64 x BN/2 (BM = 64) part, commit, wait 0.
      Needs PTX for sm_90a.
    - `tma=true` (with wgmma) where both inputs are plain strided tensors
      (each of their dims holds one loop: the K loop, the operand's single
      M/N loop, or a batch loop; innermost dim K or M/N, contiguous; other
      strides 16-byte multiples; static offset): the slices come by TMA
      instead of thread loads. The host code encodes one CUtensorMap per
      input before the launch (`kiln_rt_cuda_tensor_map`, box BK x rows,
      zero fill outside the tensor) and passes it by value
      (`!llvm.array<16 x i64>`, made a __grid_constant__ parameter by
      kiln-cuda-grid-constant-args). Thread 0 issues
      `cp.async.bulk.tensor` for 3 stages of f32 slices in dynamic shared
      memory, each stage completing an mbarrier (expect_tx); the threads
      wait on the stage's parity, round (tf32) or convert (f16) it into
      the core-matrix slices, and run the wgmma step while the next
      stages are in flight.
    - Epilogue: out = out + acc (the op's init holds the bias or zero).
    - A module pass: it declares the runtime function it calls.
  }];
  let options = [
    Option<"precision", "precision", "std::string", /*default=*/"\"fp32\"",
           "fp32 (SIMT), tf32 or fp16 (tensor cores, f32 accumulate)">,
    Option<"minBlocks", "min-blocks", "int64_t", /*default=*/"264",
           "Fewest thread blocks before K is split (2 per H100/H200 SM)">,
    Option<"wgmma", "wgmma", "bool", /*default=*/"false",
           "tf32/fp16: Hopper warpgroup MMA (sm_90a) instead of mma.sync">,
    Option<"tma", "tma", "bool", /*default=*/"false",
           "with wgmma: plain tensor operands' slices by TMA (3 stages)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def KilnCudaWarpReductions
    : Pass<"kiln-cuda-warp-reductions", "::mlir::func::FuncOp"> {
  let summary = "Row reductions (softmax, LayerNorm, pooling) as a warp per row";
  let description = [{
    Rewrites a top-level linalg.generic on buffers whose loops are parallel
    but the innermost, a reduction of static extent >= `min-extent`, with
    one f32 init, a payload `combine(f(ins), out)` that is not a
    contraction (`out + a * b` with both inputs read along the reduction is
    left to the GEMM passes) (combine: addf,
    maximumf, maxnumf, minimumf, minnumf; `out` used only there) into a
    `gpu.launch` of 8 warps a block and one warp a row: lane l folds the
    row's elements l, l + 32, ... (coalesced), starting from the
    combiner's identity, the partials merge with 5 `gpu.shuffle xor`
    steps, and lane 0 stores combine(partial, out). Replaces one thread
    per row looping over the whole row.
  }];
  let options = [
    Option<"minExtent", "min-extent", "int64_t", /*default=*/"32",
           "Shortest reduction handled">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::gpu::GPUDialect",
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
    Scalar integer powers (`math.ipowi`, ONNX Pow on integers) become
    square-and-multiply loops (scf.while): the CPU's convert-math-to-funcs
    would add helper functions kernels cannot call.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
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

def KilnCudaGridConstantArgs
    : Pass<"kiln-cuda-grid-constant-args", "::mlir::gpu::GPUModuleOp"> {
  let summary = "By-value CUtensorMap kernel arguments as __grid_constant__";
  let description = [{
    TMA reads a tensor map from the kernel's parameter space only when the
    parameter is `__grid_constant__` (a byval pointer the kernel never
    writes). kiln-cuda-gemm-kernels passes each map as an
    `!llvm.array<16 x i64>` value and, in the kernel, takes its address
    with `builtin.unrealized_conversion_cast` to `!llvm.ptr`. After the
    kernels are in the LLVM dialect, this pass turns every such argument of
    an `nvvm.kernel` llvm.func into an `!llvm.ptr` with `llvm.byval`
    (the array type), `llvm.align = 64` and `nvvm.grid_constant`, and
    replaces the casts with it. The launch still passes the 128 bytes by
    value, as CUDA passes a struct parameter.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::NVVM::NVVMDialect"];
}

#endif // KILN_CODEGEN_CUDA_PASSES_TD
