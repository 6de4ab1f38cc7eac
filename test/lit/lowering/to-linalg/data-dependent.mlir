// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that NonZero counts the non-zero elements (a reduction), allocates
// [rank, count] and fills it in row-major order with a loop nest that
// carries the next column.
// CHECK-LABEL: func.func @nonzero
// CHECK: arith.cmpf une
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]
// CHECK: %[[N:.*]] = arith.index_cast
// CHECK: tensor.empty(%[[N]]) : tensor<2x?xi64>
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.if
// CHECK: tensor.insert
// CHECK: tensor.insert
func.func @nonzero(%x: tensor<2x3xf32>) -> tensor<2x?xi64> {
  %0 = "onnx.NonZero"(%x) : (tensor<2x3xf32>) -> tensor<2x?xi64>
  return %0 : tensor<2x?xi64>
}

// -----

// Tests that Compress along an axis counts the true entries of the
// condition (at most the axis size), then copies the selected slices.
// CHECK-LABEL: func.func @compress
// CHECK: arith.minui
// CHECK: scf.for
// CHECK: tensor.empty(%{{.*}}) : tensor<3x?xf32>
// CHECK: scf.for
// CHECK: scf.if
// CHECK: tensor.extract_slice %arg0[0, %{{.*}}] [3, 1] [1, 1]
// CHECK: tensor.insert_slice
func.func @compress(%x: tensor<3x2xf32>, %c: tensor<2xi1>) -> tensor<3x?xf32> {
  %0 = "onnx.Compress"(%x, %c) {axis = 1 : i64} : (tensor<3x2xf32>, tensor<2xi1>) -> tensor<3x?xf32>
  return %0 : tensor<3x?xf32>
}
