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

// -----

// Tests that SoftmaxCrossEntropyLoss takes a max-subtracted log-softmax of
// the scores along axis 1, gathers it like NegativeLogLikelihoodLoss and
// returns the log-softmax as its second result.
// CHECK-LABEL: func.func @sce_mean_log_prob
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: math.log
// CHECK: linalg.generic
// CHECK: arith.cmpi eq
// CHECK: tensor.extract
// CHECK: arith.negf
// CHECK: arith.divf
// CHECK: return %{{.*}}, %{{.*}} : tensor<f32>, tensor<3x5x2xf32>
func.func @sce_mean_log_prob(%x: tensor<3x5x2xf32>, %t: tensor<3x2xi64>, %w: tensor<5xf32>) -> (tensor<f32>, tensor<3x5x2xf32>) {
  %0, %1 = "onnx.SoftmaxCrossEntropyLoss"(%x, %t, %w) {ignore_index = -1 : i64, reduction = "mean"} : (tensor<3x5x2xf32>, tensor<3x2xi64>, tensor<5xf32>) -> (tensor<f32>, tensor<3x5x2xf32>)
  return %0, %1 : tensor<f32>, tensor<3x5x2xf32>
}

// -----

// Tests that SoftmaxCrossEntropyLoss without weights or log_prob and with
// reduction "none" returns the per-element losses.
// CHECK-LABEL: func.func @sce_none
// CHECK: math.log
// CHECK: arith.negf
// CHECK-NOT: arith.divf
// CHECK: return %{{.*}} : tensor<3xf32>
func.func @sce_none(%x: tensor<3x5xf32>, %t: tensor<3xi32>) -> tensor<3xf32> {
  %n = onnx.NoValue
  %0, %1 = "onnx.SoftmaxCrossEntropyLoss"(%x, %t, %n) {reduction = "none"} : (tensor<3x5xf32>, tensor<3xi32>, none) -> (tensor<3xf32>, none)
  return %0 : tensor<3xf32>
}
