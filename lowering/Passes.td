//===- Passes.td - kiln's lowering passes ------------------*- tablegen -*-===//
//
// Every pass of lowering/ (graph rewrites on onnx ops, onnx -> linalg, ...),
// one implementation file per pass under the folder of its stage.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_LOWERING_PASSES_TD
#define KILN_LOWERING_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// graph/: rewrites on the onnx dialect
//===----------------------------------------------------------------------===//

def OnnxShapeInference : Pass<"onnx-shape-inference", "::mlir::ModuleOp"> {
  let summary = "Refines the result types of onnx ops from their inputs";
  let description = [{
    Walks every function in order, recursing into If branches and Loop/Scan
    bodies (whose block arguments get the types ONNX defines for them), and
    applies the shape and type inference rule of each onnx op. Rules refine
    result types only: an unranked `tensor<*xf32>` from the importer becomes
    ranked, dynamic dims become static or symbolic (`#onnx.dims`), never the
    other way. A rule whose static result conflicts with an existing static
    type (from the model's value_info) is an error. Ops without a rule are
    left as they are. Finally each function's result types are updated to
    the types it returns (unless the function is called).

    Symbolic dims stay symbolic: a batch dim `N` stays `N` through
    convolutions, matmuls, broadcasting with another `N` or with 1, and
    through the Shape/Gather/Concat/Reshape chains of torch exports.
  }];
  let dependentDialects = [
    "::kiln::onnx::ONNXDialect",
    "::mlir::func::FuncDialect",
  ];
}

//===----------------------------------------------------------------------===//
// fusion/: dispatch formation on linalg on tensors (before bufferization)
//===----------------------------------------------------------------------===//

def KilnFuseElementwise : Pass<"kiln-fuse-elementwise"> {
  let summary = "Fuse chains of elementwise linalg.generic ops into one loop nest";
  let description = [{
    Runs upstream elementwise fusion (linalg::fuseElementwiseOps) under
    kiln's control function, so a chain of elementwise generics (and the
    broadcasts and splat constants feeding them) becomes one generic, and
    an elementwise producer folds into the reduction that consumes it
    (layer norm's `(x - mean)^2` into its sum, ...). One loop nest instead
    of one per op: intermediates never round-trip through memory.

    A producer is fused when:
      * both ops are linalg.generic (named ops, matmul/conv/pooling/
        transpose/fill, are left alone);
      * it has no other user, or its body only moves data (a broadcast,
        copy or transpose: recomputing it is free);
      * the consumer reads it through a permutation map, unless its body
        only moves data (an expensive producer broadcast into a bigger
        iteration space would be recomputed once per broadcast element);
      * if it reads the result of a named contraction or convolution (an
        epilogue: bias, activation, residual add), the consumer has no
        reduction loops, so the fused epilogue stays an elementwise
        generic that GEMM/conv epilogue fusion can absorb.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def KilnInPlaceElementwise : Pass<"kiln-inplace-elementwise"> {
  let summary = "Let elementwise ops write into an input that dies there";
  let description = [{
    An elementwise linalg.generic whose init is a `tensor.empty` it never
    reads, and one of whose inputs has the result's type and indexing map
    and has no later use (the value, and every reshape of it, is only used
    before the op in the same block), gets that input as its init instead:
    the input is removed from `ins` and the body reads the init's block
    argument. One-shot bufferization then computes the op in the input's
    buffer, so the arena needs one buffer fewer at that point.

    Inputs that are function arguments, constants or views (anything not
    produced by a destination-style op, possibly through expand/collapse
    reshapes) are never reused: writing them would need a copy.

    The epilogue of a matmul or (non-depthwise) convolution, an op reading
    such a result, only reuses that result and keeps reading it as an input
    (`ins(%conv, %residual) outs(%conv)`): the form codegen/cpu's GEMM/conv
    kernels absorb.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

//===----------------------------------------------------------------------===//
// bufferize/: weights blob and static memory plan (after one-shot bufferize)
//===----------------------------------------------------------------------===//

def KilnPrepareBufferization : Pass<"kiln-prepare-bufferization"> {
  let summary = "Normalize tensor ops whose memref forms are stricter";
  let description = [{
    Rewrites tensor IR that verifies but whose bufferized form would not:
    `tensor.expand_shape` ops that give an SSA output size for a dim the
    result type has static get the static size instead (memref.expand_shape
    rejects the mixed form).
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def KilnPublishDataDependentResults
    : Pass<"kiln-publish-data-dependent-results", "::mlir::ModuleOp"> {
  let summary = "Hand results whose size is known only at run time to the "
                "runtime";
  let description = [{
    Runs on bufferized IR, before results become out-params. A result of the
    entry function tagged `kiln.data_dependent` (an output with a dynamic
    dim that no input dim determines: NonZero, Unique, a shape computed from
    values) cannot be allocated by the caller before the kernel runs. At
    every return, its buffer's first-element address and its dims and
    strides (a stack array) are passed to
    `kiln_rt_publish_output(i32 output, index data, index dims_strides)`
    (runtime/kiln_runtime.h), which copies it into a session-owned buffer
    and records its dims for m_run's out descriptor. The result is then
    removed from the function; the graph indices of the removed results are
    recorded as `kiln.data_dependent_outputs` on the function, so the kernel
    wrapper maps the remaining out-params to their graph outputs.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect"];
}

def KilnExternalizeWeights : Pass<"kiln-externalize-weights", "::mlir::ModuleOp"> {
  let summary = "Turn large constant globals into views of a weights argument";
  let description = [{
    Every `memref.global` constant initialized from a `dense_resource` (or whose
    size is at least `min-bytes`) and used only by `memref.get_global` in the
    entry function is removed; each `memref.get_global` becomes a `memref.view`
    at a compile-time, 64-byte aligned offset into a new entry argument
    `memref<Nxi8> {kiln.weights}`.

    The layout is recorded on the module so the packager can write the blob in
    that order straight from the resources (weights never become LLVM IR
    constants):
      kiln.weights_layout = [{name, offset, size, value}, ...]
      kiln.weights_bytes  = N
  }];
  let options = [
    Option<"minBytes", "min-bytes", "int64_t", /*default=*/"256",
           "Dense (non-resource) constants of at least this many bytes are "
           "externalized too">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def KilnPlanMemory : Pass<"kiln-plan-memory", "::mlir::ModuleOp"> {
  let summary = "Place static allocations of the entry function in one arena";
  let description = [{
    Every `memref.alloc` of static shape in the entry function's body becomes a
    `memref.view` into a new entry argument `memref<Nxi8> {kiln.arena}` at an
    offset chosen by greedy best-fit over the buffers' live intervals, so
    buffers whose lifetimes do not overlap share bytes (64-byte alignment).
    Their `memref.dealloc`s are removed. Allocations of dynamic size, inside
    nested regions, or whose buffer escapes (returned, yielded, captured by an
    unknown op) stay heap allocations. The arena size is recorded as the
    module attribute `kiln.workspace_bytes`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

//===----------------------------------------------------------------------===//
// to-linalg/: onnx -> linalg/tensor/arith/math on tensors
//===----------------------------------------------------------------------===//

def ConvertOnnxToLinalg : Pass<"convert-onnx-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower onnx ops to linalg/tensor/arith/math on tensors";
  let description = [{
    Converts every onnx op of every function to linalg named ops (matmul,
    batch_matmul, conv_2d_nchw_fchw, depthwise/grouped convs, pooling,
    transpose, fill) and linalg.generic ops with broadcasting indexing maps,
    plus tensor ops for data movement (extract_slice, insert_slice, pad,
    expand_shape/collapse_shape) and arith/math in the bodies: the form
    upstream elementwise fusion, tiling and vectorization understand.

    Types lose their `#onnx.dims` encoding and unsigned integers become
    signless (signedness is taken from the onnx types while converting).
    Dynamic dims come from `tensor.dim` of the inputs and flow through
    `tensor.empty` sizes; equal `#onnx.dims` symbols prove dynamic dims equal
    so broadcasting them needs no run-time check. Weights (`onnx.Constant`
    with dense or dense_resource values) become `arith.constant` without
    copying their data.

    An onnx op without a lowering is an error naming the op (its location
    names the node): "kiln does not lower onnx.<Op> to linalg yet".

    Control flow (If, Scan, recurrent nets) becomes scf.if / scf.for around
    the linalg ops of the bodies.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::cf::ControlFlowDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def OnnxResolveSequences : Pass<"onnx-resolve-sequences", "::mlir::ModuleOp"> {
  let summary = "Replace sequences and optionals of known structure by tensors";
  let description = [{
    Tracks every sequence value whose length and positions are known at
    compile time as the list of tensors it holds (SequenceEmpty,
    SequenceConstruct, SequenceInsert/SequenceErase at constant positions,
    SplitToSequence with a static split count, SequenceMap unrolled per
    element) and rewrites SequenceAt, SequenceLength and
    ConcatFromSequence onto those tensors (the element, a constant, a
    Concat). Optional/OptionalHasElement/OptionalGetElement fold alike.
    Sequence ops left afterwards (run-time positions, sequence graph inputs)
    are reported by the lowering. New results are unranked: shape inference
    runs after this pass.
  }];
  let dependentDialects = ["::kiln::onnx::ONNXDialect"];
}

//===----------------------------------------------------------------------===//
// graph/: graph-level optimizations on the onnx dialect (-O1 and above)
//===----------------------------------------------------------------------===//

def OnnxFuseConvAffine : Pass<"onnx-fuse-conv-affine", "::mlir::ModuleOp"> {
  let summary = "Fold BatchNormalization/Mul/Add after a Conv into its weights";
  let description = [{
    A Conv with constant f32 weights (and bias) whose only user is a
    BatchNormalization in inference mode with constant statistics, or a Mul
    or Add by a per-channel constant (scalar, [C,1,..] or [1,C,1,..]), gets
    new weights W'[o] = W[o] * s[o] and bias b'[o] = (b[o] - mean[o]) * s[o]
    + B[o] (s = scale / sqrt(var + eps); s = c and b' = b * c for Mul;
    b' = b + c for Add) and replaces that user. New weights are new resource
    blobs; the old ones die with their last user.
  }];
  let dependentDialects = ["::kiln::onnx::ONNXDialect"];
}

def OnnxFuseMatMulAdd : Pass<"onnx-fuse-matmul-add", "::mlir::ModuleOp"> {
  let summary = "Rewrite MatMul + bias Add into Gemm";
  let description = [{
    Add(MatMul(x, W), b) (either Add operand order, the MatMul used only
    there) with W 2-D, static shapes and b broadcastable to the 2-D result
    becomes Gemm(x, W, b). With `nd`, an N-D x (linear layers on
    [batch, seq, hidden]) is reshaped to [prod(leading), K] before the Gemm
    and the result back after it; b must then be a scalar or 1-D.
  }];
  let options = [
    Option<"nd", "nd", "bool", /*default=*/"true",
           "Also rewrite N-D x 2-D MatMuls, flattening around the Gemm">,
  ];
  let dependentDialects = ["::kiln::onnx::ONNXDialect"];
}

def OnnxSimplifyLayout : Pass<"onnx-simplify-layout", "::mlir::ModuleOp"> {
  let summary = "Eliminate redundant Transposes and Reshapes";
  let description = [{
    Transpose(Transpose(x, p), q) becomes Transpose(x, p∘q), or x when the
    composition is the identity; Transposes with the identity perm are
    dropped. A Reshape of a Reshape/Flatten/Squeeze/Unsqueeze with static
    types becomes one Reshape of the original input; a shape-only op whose
    static result type equals its input type is dropped. A unary
    elementwise op (Gelu, Relu, Sigmoid, Tanh, Erf) on a single-use Reshape,
    whose users are all Reshapes, is moved before that Reshape so the
    Reshapes meet and fold.
  }];
  let dependentDialects = ["::kiln::onnx::ONNXDialect"];
}

def OnnxRecognizeGelu : Pass<"onnx-recognize-gelu", "::mlir::ModuleOp"> {
  let summary = "Recognize GELU subgraphs as onnx.Gelu";
  let description = [{
    Rewrites x * 0.5 * (1 + erf(x / sqrt(2))) into onnx.Gelu and
    x * 0.5 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))) into
    onnx.Gelu {approximate = "tanh"}, with the products in any order and
    grouping (constants within a relative 1e-4).
  }];
  let dependentDialects = ["::kiln::onnx::ONNXDialect"];
}

def OnnxRecognizeLayerNorm : Pass<"onnx-recognize-layer-norm", "::mlir::ModuleOp"> {
  let summary = "Recognize LayerNorm subgraphs as LayerNormalization";
  let description = [{
    Rewrites the last-axis layer norm of torch < 1.13 exports,
    d = x - ReduceMean(x); d / Sqrt(ReduceMean(Pow(d, 2)) + eps) * gamma
    (+ beta), with 1-D gamma and beta, into
    LayerNormalization(x, gamma, beta) {axis = -1, epsilon = eps}.
  }];
  let dependentDialects = ["::kiln::onnx::ONNXDialect"];
}

def OnnxRecognizeAttention
    : Pass<"onnx-recognize-attention", "::mlir::ModuleOp"> {
  let summary = "Recognize scaled dot-product attention as onnx.Attention";
  let description = [{
    Rewrites MatMul(Softmax(Add(Div|Mul(MatMul(Q, Kt), c), mask)), V) on
    4-D [B, H, S, D] tensors (the scale and the mask Add each optional,
    the mask on either side of the Add) into the 4-D form of onnx.Attention
    with K = Transpose(Kt, [0, 1, 3, 2]) and scale = 1/c (Div) or c (Mul),
    1 without. The mask must be a float tensor whose last dim is the key
    length (Attention pads a shorter mask instead of broadcasting it).
  }];
  let dependentDialects = ["::kiln::onnx::ONNXDialect"];
}

def OnnxTagOpKinds : Pass<"onnx-tag-op-kinds", "::mlir::ModuleOp"> {
  let summary = "Record each onnx op's ONNX op type in its location";
  let description = [{
    Wraps the location of every onnx op (a NameLoc of its node) into a
    FusedLoc whose metadata is the op type ("Conv"), the form diagnostics
    name nodes with. Code lowered from the op keeps the location, so
    `kiln compile --profile` can name each dispatch after its nodes and op
    kinds. Run only for profiling builds, after the graph optimizations.
  }];
}

def OnnxFoldConstants : Pass<"onnx-fold-constants", "::mlir::ModuleOp"> {
  let summary = "Evaluate onnx ops whose operands are constants";
  let description = [{
    Replaces by constants: Add/Sub/Mul/Div on f32/i64/i32 constants (numpy
    broadcasting; integer division by zero is left alone), Neg/Sqrt on f32,
    Cast among f32/i64/i32, Transpose of any byte-sized constant,
    Reshape/Squeeze/Unsqueeze/Flatten/Identity of a constant with a static
    result type, Shape of a statically shaped tensor, Concat of constants,
    and rank-1 Gather/Slice (the shape subgraphs of torch exports). Results
    of more than 64 elements become new resource blobs (a transposed weight
    never turns into a dense attr); results of more than 2^24 elements are
    not folded.
  }];
  let dependentDialects = ["::kiln::onnx::ONNXDialect"];
}

#endif // KILN_LOWERING_PASSES_TD
