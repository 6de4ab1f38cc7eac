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
// bufferize/: weights blob and static memory plan (after one-shot bufferize)
//===----------------------------------------------------------------------===//

//===----------------------------------------------------------------------===//
// to-linalg/: onnx -> linalg/tensor/arith/math on tensors
//===----------------------------------------------------------------------===//

#endif // KILN_LOWERING_PASSES_TD
