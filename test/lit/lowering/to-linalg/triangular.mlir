// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that Trilu (upper, k omitted) keeps the elements with j - i >= 0 and
// zeroes the rest.
// CHECK-LABEL: func.func @trilu_upper
// CHECK: %[[K:.*]] = arith.constant 0 : i64
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 1 : index
// CHECK: %[[J:.*]] = linalg.index 2 : index
// CHECK: arith.subi %[[J]], %[[I]] : index
// CHECK: %[[KEEP:.*]] = arith.cmpi sge, %{{.*}}, %[[K]] : i64
// CHECK: arith.select %[[KEEP]], %{{.*}}, %{{.*}} : f32
func.func @trilu_upper(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Trilu"(%x, %none) : (tensor<2x3x4xf32>, none) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// Tests that Trilu (lower) reads a run-time k and keeps j - i <= k.
// CHECK-LABEL: func.func @trilu_lower
// CHECK: %[[K:.*]] = tensor.extract %{{.*}}[] : tensor<i64>
// CHECK: linalg.generic
// CHECK: arith.cmpi sle, %{{.*}}, %[[K]] : i64
// CHECK: arith.select
func.func @trilu_lower(%x: tensor<3x5xi64>, %k: tensor<i64>) -> tensor<3x5xi64> {
  %0 = "onnx.Trilu"(%x, %k) {upper = 0 : i64} : (tensor<3x5xi64>, tensor<i64>) -> tensor<3x5xi64>
  return %0 : tensor<3x5xi64>
}

// -----

// Tests that EyeLike writes ones (of the dtype) on diagonal k.
// CHECK-LABEL: func.func @eye_like
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<3x4xf64>)
// CHECK: %[[K:.*]] = arith.constant 1 : i64
// CHECK: %[[ON:.*]] = arith.cmpi eq, %{{.*}}, %[[K]] : i64
// CHECK: arith.select %[[ON]], %{{.*}}, %{{.*}} : f64
func.func @eye_like(%x: tensor<3x4xi32>) -> tensor<3x4xf64> {
  %0 = "onnx.EyeLike"(%x) {dtype = 11 : i64, k = 1 : i64} : (tensor<3x4xi32>) -> tensor<3x4xf64>
  return %0 : tensor<3x4xf64>
}

// -----

// Tests that Det runs Gaussian elimination with partial pivoting per matrix
// in scf.for loops over a working copy, collecting one value per matrix.
// CHECK-LABEL: func.func @det
// CHECK: scf.for {{.*}} -> (tensor<3x2x2xf32>, tensor<3xf32>)
// CHECK: scf.for {{.*}} -> (tensor<3x2x2xf32>, f32)
// CHECK: math.absf
// CHECK: arith.negf
// CHECK: arith.divf
// CHECK: tensor.insert %{{.*}} into %{{.*}}[%{{.*}}] : tensor<3xf32>
func.func @det(%x: tensor<3x2x2xf32>) -> tensor<3xf32> {
  %0 = "onnx.Det"(%x) : (tensor<3x2x2xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
