// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that NegativeLogLikelihoodLoss gathers -input[n, target] * weight,
// zeroes ignore_index, and divides the summed loss by the summed weights.
// CHECK-LABEL: func.func @nll_mean
// CHECK: linalg.generic
// CHECK: arith.cmpi eq
// CHECK: tensor.extract
// CHECK: arith.negf
// CHECK: linalg.yield
// CHECK: arith.divf
func.func @nll_mean(%x: tensor<3x5x2xf32>, %t: tensor<3x2xi64>, %w: tensor<5xf32>) -> tensor<f32> {
  %0 = "onnx.NegativeLogLikelihoodLoss"(%x, %t, %w) {ignore_index = 1 : i64, reduction = "mean"} : (tensor<3x5x2xf32>, tensor<3x2xi64>, tensor<5xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}
