// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that a periodic HannWindow of the result's static length 4 becomes
// the constant sin^2(pi n / 4).
// CHECK-LABEL: func.func @hann_periodic
// CHECK: %[[W:.*]] = arith.constant dense<[0.000000e+00, 5.000000e-01, 1.000000e+00, 5.000000e-01]> : tensor<4xf32>
// CHECK: return %[[W]]
func.func @hann_periodic(%size: tensor<i64>) -> tensor<4xf32> {
  %0 = "onnx.HannWindow"(%size) : (tensor<i64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that a symmetric BlackmanWindow divides by N - 1, so both ends are
// 0.42 - 0.5 + 0.08 = 0 and the middle of 3 is 1 (up to rounding).
// CHECK-LABEL: func.func @blackman_symmetric
// CHECK: arith.constant dense<[{{.*}}E-17, 0.99999999999999{{[0-9]*}}, {{.*}}E-17]> : tensor<3xf64>
func.func @blackman_symmetric(%size: tensor<i64>) -> tensor<3xf64> {
  %0 = "onnx.BlackmanWindow"(%size) {periodic = 0 : i64, output_datatype = 11 : i64} : (tensor<i64>) -> tensor<3xf64>
  return %0 : tensor<3xf64>
}
