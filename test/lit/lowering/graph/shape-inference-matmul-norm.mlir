// RUN: kiln-opt %s -onnx-shape-inference -split-input-file | FileCheck %s

// Tests MatMul: batched with broadcast batch dims, and 1-D operands.
// CHECK-LABEL: func.func @matmul
// CHECK: "onnx.MatMul"{{.*}} -> tensor<?x12x?x?xf32, #onnx.dims<["B", "", "S", "S"]>>
// CHECK: "onnx.MatMul"{{.*}} -> tensor<5x2x3x7xf32>
// CHECK: "onnx.MatMul"{{.*}} -> tensor<2x3xf32>
// CHECK: "onnx.MatMul"{{.*}} -> tensor<4xf32>
// CHECK: "onnx.MatMul"{{.*}} -> tensor<f32>
func.func @matmul(%q: tensor<?x12x?x64xf32, #onnx.dims<["B", "", "S", ""]>>, %k: tensor<?x12x64x?xf32, #onnx.dims<["B", "", "", "S"]>>, %a: tensor<2x3x4xf32>, %b: tensor<5x1x4x7xf32>, %v: tensor<4xf32>, %m: tensor<4x4xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0 = "onnx.MatMul"(%q, %k) : (tensor<?x12x?x64xf32, #onnx.dims<["B", "", "S", ""]>>, tensor<?x12x64x?xf32, #onnx.dims<["B", "", "", "S"]>>) -> tensor<*xf32>
  %1 = "onnx.MatMul"(%a, %b) : (tensor<2x3x4xf32>, tensor<5x1x4x7xf32>) -> tensor<*xf32>
  %2 = "onnx.MatMul"(%a, %v) : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<*xf32>
  %3 = "onnx.MatMul"(%v, %m) : (tensor<4xf32>, tensor<4x4xf32>) -> tensor<*xf32>
  %4 = "onnx.MatMul"(%v, %v) : (tensor<4xf32>, tensor<4xf32>) -> tensor<*xf32>
  return %0, %1, %2, %3, %4 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests Gemm with transposes.
// CHECK-LABEL: func.func @gemm
// CHECK: "onnx.Gemm"{{.*}} -> tensor<3x5xf32>
func.func @gemm(%a: tensor<4x3xf32>, %b: tensor<5x4xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Gemm"(%a, %b, %none) {transA = 1 : i64, transB = 1 : i64} : (tensor<4x3xf32>, tensor<5x4xf32>, none) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests the normalizations, including LayerNormalization's Mean and
// InvStdDev outputs in the stash type.
// CHECK-LABEL: func.func @normalization
// CHECK: "onnx.BatchNormalization"{{.*}} -> (tensor<?x8x4x4xf32, #onnx.dims<["N", "", "", ""]>>, none, none)
// CHECK: "onnx.InstanceNormalization"{{.*}} -> tensor<?x8x4x4xf32, #onnx.dims<["N", "", "", ""]>>
// CHECK: "onnx.LayerNormalization"{{.*}} -> (tensor<?x?x768xf16, #onnx.dims<["B", "S", ""]>>, tensor<?x?x1xf32, #onnx.dims<["B", "S", ""]>>, tensor<?x?x1xf32, #onnx.dims<["B", "S", ""]>>)
// CHECK: "onnx.LayerNormalization"{{.*}} -> (tensor<?x?x768xf16, #onnx.dims<["B", "S", ""]>>, none, none)
func.func @normalization(%x: tensor<?x8x4x4xf32, #onnx.dims<["N", "", "", ""]>>, %c: tensor<8xf32>, %h: tensor<?x?x768xf16, #onnx.dims<["B", "S", ""]>>, %g: tensor<768xf16>) -> (tensor<*xf32>, tensor<*xf16>, tensor<*xf32>, tensor<*xf16>) {
  %none = onnx.NoValue
  %0:3 = "onnx.BatchNormalization"(%x, %c, %c, %c, %c) : (tensor<?x8x4x4xf32, #onnx.dims<["N", "", "", ""]>>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> (tensor<*xf32>, none, none)
  %1 = "onnx.InstanceNormalization"(%0#0, %c, %c) : (tensor<*xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<*xf32>
  %2:3 = "onnx.LayerNormalization"(%h, %g, %g) : (tensor<?x?x768xf16, #onnx.dims<["B", "S", ""]>>, tensor<768xf16>, tensor<768xf16>) -> (tensor<*xf16>, tensor<*xf32>, tensor<*xf32>)
  %3:3 = "onnx.LayerNormalization"(%2#0, %g, %none) : (tensor<*xf16>, tensor<768xf16>, none) -> (tensor<*xf16>, none, none)
  return %1, %2#0, %2#1, %3#0 : tensor<*xf32>, tensor<*xf16>, tensor<*xf32>, tensor<*xf16>
}

// -----

// Tests Softmax and reductions: axes input, keepdims, noop_with_empty_axes,
// reducing everything; ArgMax's int64 result.
// CHECK-LABEL: func.func @reductions
// CHECK: "onnx.Softmax"{{.*}} -> tensor<?x4x6xf32, #onnx.dims<["N", "", ""]>>
// CHECK: "onnx.ReduceMean"{{.*}} -> tensor<?x4x1xf32, #onnx.dims<["N", "", ""]>>
// CHECK: "onnx.ReduceSum"{{.*}} -> tensor<?xf32, #onnx.dims<["N"]>>
// CHECK: "onnx.ReduceMax"{{.*}} -> tensor<1x1x1xf32>
// CHECK: "onnx.ReduceMax"{{.*}} -> tensor<?x4x6xf32, #onnx.dims<["N", "", ""]>>
// CHECK: "onnx.ArgMax"{{.*}} -> tensor<?x6xi64, #onnx.dims<["N", ""]>>
func.func @reductions(%x: tensor<?x4x6xf32, #onnx.dims<["N", "", ""]>>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xi64>) {
  %none = onnx.NoValue
  %0 = "onnx.Softmax"(%x) {axis = -1 : i64} : (tensor<?x4x6xf32, #onnx.dims<["N", "", ""]>>) -> tensor<*xf32>
  %last = "onnx.Constant"() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %1 = "onnx.ReduceMean"(%0, %last) : (tensor<*xf32>, tensor<1xi64>) -> tensor<*xf32>
  %inner = "onnx.Constant"() {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %2 = "onnx.ReduceSum"(%x, %inner) {keepdims = 0 : i64} : (tensor<?x4x6xf32, #onnx.dims<["N", "", ""]>>, tensor<2xi64>) -> tensor<*xf32>
  %3 = "onnx.ReduceMax"(%x, %none) : (tensor<?x4x6xf32, #onnx.dims<["N", "", ""]>>, none) -> tensor<*xf32>
  %4 = "onnx.ReduceMax"(%x, %none) {noop_with_empty_axes = 1 : i64} : (tensor<?x4x6xf32, #onnx.dims<["N", "", ""]>>, none) -> tensor<*xf32>
  %5 = "onnx.ArgMax"(%x) {axis = 1 : i64, keepdims = 0 : i64} : (tensor<?x4x6xf32, #onnx.dims<["N", "", ""]>>) -> tensor<*xi64>
  return %1, %2, %3, %4, %5 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xi64>
}

// -----

// Tests Einsum with an explicit output, implicit output and ellipsis.
// CHECK-LABEL: func.func @einsum
// CHECK: "onnx.Einsum"{{.*}} -> tensor<?x2x4xf32, #onnx.dims<["B", "", ""]>>
// CHECK: "onnx.Einsum"{{.*}} -> tensor<4x2xf32>
// CHECK: "onnx.Einsum"{{.*}} -> tensor<?x3xf32, #onnx.dims<["B", ""]>>
func.func @einsum(%a: tensor<?x2x3xf32, #onnx.dims<["B", "", ""]>>, %b: tensor<?x3x4xf32, #onnx.dims<["B", "", ""]>>, %c: tensor<2x4xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0 = "onnx.Einsum"(%a, %b) {equation = "bij, bjk -> bik"} : (tensor<?x2x3xf32, #onnx.dims<["B", "", ""]>>, tensor<?x3x4xf32, #onnx.dims<["B", "", ""]>>) -> tensor<*xf32>
  %1 = "onnx.Einsum"(%c) {equation = "ji"} : (tensor<2x4xf32>) -> tensor<*xf32>
  %2 = "onnx.Einsum"(%a) {equation = "...ij->...j"} : (tensor<?x2x3xf32, #onnx.dims<["B", "", ""]>>) -> tensor<*xf32>
  return %0, %1, %2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tests the losses: a scalar for sum/mean, the target's dims for "none",
// and SoftmaxCrossEntropyLoss's log_prob shaped like the scores.
// CHECK-LABEL: func.func @losses
// CHECK: "onnx.SoftmaxCrossEntropyLoss"{{.*}} -> (tensor<f32>, tensor<3x5x2xf32>)
// CHECK: "onnx.NegativeLogLikelihoodLoss"{{.*}} -> tensor<3x2xf32>
func.func @losses(%x: tensor<3x5x2xf32>, %t: tensor<3x2xi64>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %n = onnx.NoValue
  %0:2 = "onnx.SoftmaxCrossEntropyLoss"(%x, %t, %n) {reduction = "mean"} : (tensor<3x5x2xf32>, tensor<3x2xi64>, none) -> (tensor<*xf32>, tensor<*xf32>)
  %1 = "onnx.NegativeLogLikelihoodLoss"(%x, %t, %n) {reduction = "none"} : (tensor<3x5x2xf32>, tensor<3x2xi64>, none) -> tensor<*xf32>
  return %0#0, %0#1, %1 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}
