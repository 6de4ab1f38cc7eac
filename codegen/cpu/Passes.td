//===- Passes.td - CPU codegen passes ----------------------*- tablegen -*-===//
//
// Passes of the CPU backend: from bufferized linalg (kiln's buffer ABI) to the
// LLVM dialect with the `<sym>_kernel(const kiln_frame *)` entry point.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CPU_PASSES_TD
#define KILN_CODEGEN_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def KilnCpuKernelWrapper : Pass<"kiln-cpu-kernel-wrapper", "::mlir::ModuleOp"> {
  let summary = "Add the `<symbol>_kernel(const kiln_frame *)` entry point";
  let description = [{
    Adds `func.func @<symbol>_kernel(%frame: !llvm.ptr)`, which loads the
    weights, arena, input and output pointers and the shapes from the frame
    (layout of runtime/kiln_frame.h), builds a memref descriptor for every
    argument of the bufferized entry function (static dims as constants,
    dynamic dims from the shape arrays, contiguous row-major strides) and
    calls it. The descriptors are LLVM structs cast to memrefs with
    `builtin.unrealized_conversion_cast`; they fold away when func-to-llvm
    lowers the call. Every other function with a body gets internal linkage,
    so two models never clash when linked together.

    Entry arguments are classified by their attributes: `kiln.weights`,
    `kiln.arena`, `bufferize.result` (outputs, in order), inputs otherwise.
  }];
  let options = [
    Option<"symbol", "symbol", "std::string", /*default=*/"\"model\"",
           "Model symbol: the kernel is named <symbol>_kernel">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::func::FuncDialect"];
}

def KilnCpuApproximateMath : Pass<"kiln-cpu-approximate-math"> {
  let summary = "Polynomial approximations of math functions";
  let description = [{
    Rewrites math ops for which LLVM has no inline lowering (its intrinsics
    become libm calls, scalar even in vector code) into polynomial
    approximations on arith ops: tanh, erf, erfc, exp, expm1, log, log1p,
    log2, atan, atan2, asin, acos, cbrt, sin, cos. asinh, acosh and atanh,
    which have no LLVM intrinsic, are expanded into log/sqrt first. f16/bf16
    operands are computed in f32. Other math ops are left for math-to-llvm.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def KilnCpuLowerStridedCopies : Pass<"kiln-cpu-lower-strided-copies"> {
  let summary = "Turn memref.copy between non-contiguous buffers into loops";
  let description = [{
    memref-to-llvm lowers a `memref.copy` whose operands are not both
    contiguous to a call to `memrefCopy` of MLIR's C runner library, which a
    generated model library does not link. Such copies (from
    `tensor.insert_slice`/`extract_slice` bufferization: Concat, Slice, Pad)
    become `linalg.copy`, lowered to loops with the rest of linalg.
    Contiguous copies stay `memref.copy` (a memcpy).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def KilnCpuLowerDepthwiseConv : Pass<"kiln-cpu-lower-depthwise-conv"> {
  let summary = "Vector loop nests for depthwise convolutions, with their "
                "bias and activation";
  let description = [{
    Depthwise convolutions (`linalg.depthwise_conv_2d_nchw_chw` on buffers,
    static shapes, f32, stride 1 or 2 along the width) have too little
    arithmetic per output for a GEMM-like strategy; what matters is keeping
    each output vector in a register across all KHxKW taps. Every such op
    becomes

      scf.parallel (n, c)                      -- the thread pool's loop
        scf.for oh
          scf.for ow step W                    -- W = vector-width lanes
            acc = bias[c] (or the output's current values)
            acc = fma(input row window, splat(filter[c, kh, kw]), acc)
                                               -- every tap, unrolled
            acc = activation(acc)
            store acc

    with masked loads/stores for the last partial vector and, for stride 2,
    2W-wide loads whose even lanes are kept.

    Epilogues fused into the loop: the broadcast of a per-channel bias that
    initializes the output right before the convolution (erased; the
    accumulator starts from the bias), and the elementwise generic right
    after it that rewrites the output in place (Clip/Relu: its scalar body
    is applied to the accumulator before the store, then erased).

    Padded inputs: when the input is a fresh allocation filled with a
    constant and then given a copy of another allocation in its spatial
    window (what a bufferized `tensor.pad` is), and that source is not
    touched between the copy and the convolution nor aliased by the output,
    the loops read the source directly and the fill, the copy and the
    padded buffer go. Outputs whose taps all fall inside the source take
    the loop above; border rows clamp each tap's row and select the padding
    value outside; border columns are computed one output at a time, each
    tap checked. The same FMAs in the same order: results are bitwise those
    on the padded copy. Only separate allocations are known apart, so this
    folds before memory planning, not on views of a planned arena.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"16",
           "f32 lanes per vector (16: one AVX-512 register, two AVX2 ones)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def KilnCpuLowerMaxPool : Pass<"kiln-cpu-lower-max-pool"> {
  let summary = "Vector loop nests for 2-D max pooling";
  let description = [{
    `linalg.pooling_nchw_max` on buffers (static shapes, f32, stride at most
    4 along the width) becomes the window loop nest of
    kiln-cpu-lower-depthwise-conv (codegen/cpu/WindowLoops.h): parallel
    over (n, c), each output vector kept in a register across the window's
    taps, combined with the op's own max (`arith.maximumf`: NaN
    propagates), with masked last vectors and, for stride 2, wide loads of
    which the even lanes are kept. The generic loop path would instead
    iterate the window innermost, one scalar at a time.

    Folded into the loop: the constant fill of the output right before the
    pooling (-inf: the accumulator starts from it; erased) and, as for
    depthwise convolutions, a constant-padded copy of the input (-inf
    padding) when its source is a separate allocation: the loops read the
    source, select the padding value for taps outside it, and the fill, the
    copy and the padded buffer go. Results equal those of the loop path.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"16",
           "f32 lanes per vector (16: one AVX-512 register, two AVX2 ones)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def KilnCpuInterchangeForVectorization
    : Pass<"kiln-cpu-interchange-for-vectorization"> {
  let summary = "Reorder linalg loops so the innermost one is parallel and "
                "unit-stride";
  let description = [{
    Linalg ops with reduction loops (matmul, batch_matmul, convolutions,
    pooling, contraction generics) lower to loop nests in iterator order,
    so the innermost loop of a matmul is the reduction over K: a scalar
    dependence chain LLVM cannot vectorize without reassociation. This pass
    generalizes such ops and interchanges their loops to
    [parallel loops, reduction loops, vector loop], where the vector loop is
    the parallel loop that indexes the innermost (contiguous) dimension of
    the output. LLVM's loop vectorizer then turns that loop into SIMD FMAs at
    the target's vector width (`--mcpu`), with the summation order of every
    output element unchanged. Ops whose output's innermost dimension is not
    a parallel loop, or of at most `minVectorTrip` static elements, stay as
    they are.

    Contractions that have no such loop but whose innermost loop is the
    reduction, unit-stride in every input (matmul with a transposed B, as
    Gemm transB=1 and attention's Q*K^T lower to), get `reassoc` and
    `contract` fast-math flags on their body so that LLVM vectorizes the
    dot product (the sum is then reassociated across vector lanes).
  }];
  let options = [
    Option<"minVectorTrip", "min-vector-trip", "int64_t", /*default=*/"3",
           "Leave ops whose vector loop has a static trip count <= this">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def KilnCpuInstrumentDispatches
    : Pass<"kiln-cpu-instrument-dispatches", "::mlir::ModuleOp"> {
  let summary = "Time every top-level dispatch of the entry function";
  let description = [{
    For `kiln compile --profile`. Every top-level op of the bufferized
    entry function that does work (a loop nest, a call such as a
    microkernel, a copy; not views, allocations or constants) is one
    dispatch: `t = kiln_rt_prof_now()` goes before it and
    `kiln_rt_prof_add(&counters[2 * id], t)` after it (runtime/
    kiln_profile.c), which adds the elapsed nanoseconds and one call.

    Two exported globals describe the profile: `<symbol>_profile_counters`
    (i64 [2 x N]: nanoseconds, calls; all sessions add to them) and
    `<symbol>_profile_table`, a string with one line `name<TAB>kind` per
    dispatch in id order. Names are the ONNX node names found in the
    dispatch's locations (joined with `+`), kinds the op types that
    onnx-tag-op-kinds put there. Runs before kiln-cpu-parallelize-loops,
    whose outlined bodies lose the nesting.
  }];
  let options = [
    Option<"symbol", "symbol", "std::string", /*default=*/"\"model\"",
           "Model symbol: prefix of the exported profile globals">,
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def KilnCpuParallelizeLoops
    : Pass<"kiln-cpu-parallelize-loops", "::mlir::ModuleOp"> {
  let summary = "Run outermost parallel loops on the runtime's thread pool";
  let description = [{
    Every outermost `scf.parallel` without reductions (and every
    `scf.forall` without results, converted to one first) becomes a call
    `kiln_rt_parallel_for(runtime, n, fn, ctx)` (runtime/kiln_runtime.h).
    Its leading dimensions, taken until they have at least `min-chunks`
    iterations (or a dynamic trip count), are linearized into [0, n); `fn`
    is an outlined function `(ctx, begin, end)` that runs linear indices
    [begin, end), each one delinearized, with the remaining dimensions as
    an inner `scf.parallel`. Values from above are stored in a context
    struct on the caller's stack (memrefs as their LLVM descriptors,
    indices as i64); operand-less pure ops are cloned instead.

    The runtime splits [0, n) statically into contiguous chunks, and every
    iteration writes its own outputs, so results do not depend on the
    thread count. The handle comes from the thread-local global
    `__kiln_runtime`, which the kernel wrapper (kiln-cpu-kernel-wrapper,
    run after this pass) sets from `frame->runtime`; it is null outside a
    kernel, and a null runtime runs the whole range on the calling thread.
  }];
  let options = [
    Option<"minChunks", "min-chunks", "int64_t", /*default=*/"64",
           "Distribute leading dims until they have this many iterations">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect"];
}

def KilnCpuLowerToUKernels
    : Pass<"kiln-cpu-lower-to-ukernels", "::mlir::ModuleOp"> {
  let summary = "Call the runtime's packed GEMM/convolution microkernels for "
                "f32 contractions and 2-D convolutions";
  let description = [{
    Rewrites bufferized f32 linalg ops into calls to the hand-written
    microkernels of runtime/ukernels/kiln_uk.h (packed, cache-blocked,
    register-tiled, multi-threaded through the session's pool):
    - contractions with one M, one N, one K and at most one batch loop
      (linalg.matmul, its transposed forms, batch_matmul, contraction
      generics) whose operands index those loops by plain dims, and whose
      output is unit-stride along N, become `kiln_uk_sgemm_<isa>`; operand
      pointers, strides and sizes come from memref.extract_strided_metadata
      at run time, so views and dynamic sizes work;
    - linalg.conv_2d_nchw_fchw on contiguous buffers becomes
      `kiln_uk_sconv2d_<isa>` (im2col formed while packing, no buffer).
    A `linalg.fill` of zero into the output right before the op is dropped
    (the kernel starts from zero instead of accumulating). The runtime
    handle is read from the thread-local `__kiln_runtime` that the kernel
    wrapper sets. Every other op is left for the loop path. `isa` picks the
    variant: avx512, avx2 or generic; the others never reach the binary.

    With `pack-weights` (the default), a convolution filter or a GEMM B
    operand (one B for every problem) that is a whole constant of the
    weights blob (kiln-externalize-weights) is packed here, once, into the
    panel layout of kiln_uk.h for the variant's register tile: the packed
    copy is added to the blob, the call passes it with KILN_UK_PACKED_A /
    KILN_UK_PACKED_B, and constants no view reads any more leave the blob
    (the others move up; `kiln.weights_layout`, `kiln.weights_bytes` and
    the weights argument's type are rewritten). A run then neither packs
    nor gathers those operands.
  }];
  let options = [
    Option<"isa", "isa", "std::string", /*default=*/"\"avx512\"",
           "Microkernel variant: avx512, avx2 or generic">,
    Option<"packWeights", "pack-weights", "bool", /*default=*/"true",
           "Pack constant filters and B operands into the weights blob">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect"];
}

def KilnCpuPrepareUKernelEpilogues
    : Pass<"kiln-cpu-prepare-ukernel-epilogues", "::mlir::func::FuncOp"> {
  let summary = "Let a convolution write the buffer of its residual-add and "
                "Relu/Clip consumers, which then work in place";
  let description = [{
    Runs after bufferization, before kiln-plan-memory. For an f32
    linalg.conv_2d_nchw_fchw writing a fresh static allocation that only
    its bias init (or fill), itself and one elementwise consumer use, where
    the consumer is `clamp(y [+ r])` (matched like
    kiln-cpu-lower-to-ukernels does), the init, the convolution and the
    consumer are rewritten to use the consumer's output buffer (a static
    allocation or a function argument, moved up if needed), making the
    consumer in place; repeated along a chain (add, then Relu). After
    planning, kiln-cpu-lower-to-ukernels folds such in-place consumers into
    the microkernel's epilogue. Before planning distinct allocations never
    overlap, so the earlier write into the consumer's buffer is safe.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def KilnCpuLowerRuntimeChecks
    : Pass<"kiln-cpu-lower-runtime-checks", "::mlir::ModuleOp"> {
  let summary = "Turn cf.assert into calls of the runtime's check failure";
  let description = [{
    The onnx -> linalg lowering checks values the model computes or takes as
    inputs (axes, shapes, sizes) with `cf.assert`, which upstream lowers to
    a print and `abort()`. A generated library must not abort its host, so
    every `cf.assert %ok, "msg"` becomes
    `scf.if (!%ok) { kiln_rt_check_failed("msg") }`: the runtime records the
    message and returns KILN_ERR_INVALID_ARGUMENT from m_run
    (runtime/kiln_runtime.h). The messages are internal constant strings. A
    weak `kiln_rt_check_failed` that aborts is added for kernel objects
    linked without the runtime; the runtime's definition replaces it.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect"];
}

#endif // KILN_CODEGEN_CPU_PASSES_TD
