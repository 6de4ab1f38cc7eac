// RUN: kiln-opt %s -split-input-file -canonicalize | FileCheck %s
// Folding of the dialect's constant-like ops.

// Tests that duplicate NoValue and Constant ops are uniqued by folding.
// CHECK-LABEL: func.func @uniquing
// CHECK-COUNT-1: onnx.NoValue
// CHECK-COUNT-1: "onnx.Constant"
// CHECK-NOT: onnx.NoValue
// CHECK-NOT: "onnx.Constant"
func.func @uniquing(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  %n0 = onnx.NoValue
  %c0 = "onnx.Constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %0 = "onnx.Clip"(%x, %c0, %n0) : (tensor<2xf32>, tensor<f32>, none) -> tensor<2xf32>
  %n1 = onnx.NoValue
  %c1 = "onnx.Constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %1 = "onnx.Clip"(%x, %c1, %n1) : (tensor<2xf32>, tensor<f32>, none) -> tensor<2xf32>
  return %0, %1 : tensor<2xf32>, tensor<2xf32>
}

// -----

// Tests that unused pure ops are erased.
// CHECK-LABEL: func.func @dead_code
// CHECK-NOT: onnx.Relu
func.func @dead_code(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = "onnx.Relu"(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return %x : tensor<2xf32>
}
