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

// -----

// Tests that OneHot sizes the inserted dim by depth's value (a float depth
// truncated to i64, checked non-negative) and selects on/off by comparing
// each wrapped index with the position along that dim.
// CHECK-LABEL: func.func @onehot
// CHECK: arith.fptosi
// CHECK: cf.assert
// CHECK: %[[D:.*]] = arith.index_cast
// CHECK: tensor.empty(%[[D]]) : tensor<2x?x2xf32>
// CHECK: linalg.generic
// CHECK: linalg.index 1
// CHECK: arith.cmpi eq
// CHECK: arith.select
func.func @onehot(%i: tensor<2x2xf32>, %d: tensor<f32>, %v: tensor<2xf32>) -> tensor<2x?x2xf32> {
  %0 = "onnx.OneHot"(%i, %d, %v) {axis = 1 : i64} : (tensor<2x2xf32>, tensor<f32>, tensor<2xf32>) -> tensor<2x?x2xf32>
  return %0 : tensor<2x?x2xf32>
}

// -----

// Tests that NonMaxSuppression fills a [batches*classes*boxes, 3] buffer in
// loops over batch, class and selection steps (the best remaining score,
// then the IoU test against the boxes kept so far) and returns its used
// prefix.
// CHECK-LABEL: func.func @nms
// CHECK: tensor.empty(%{{.*}}) : tensor<?x3xi64>
// CHECK: scf.for
// CHECK: scf.for
// CHECK: arith.cmpf ule
// CHECK: scf.if
// CHECK: arith.cmpf ogt
// CHECK: arith.divf
// CHECK: tensor.extract_slice %{{.*}}[0, 0] [%{{.*}}, 3] [1, 1]
func.func @nms(%b: tensor<1x6x4xf32>, %s: tensor<1x1x6xf32>, %m: tensor<1xi64>, %iou: tensor<1xf32>, %st: tensor<1xf32>) -> tensor<?x3xi64> {
  %0 = "onnx.NonMaxSuppression"(%b, %s, %m, %iou, %st) : (tensor<1x6x4xf32>, tensor<1x1x6xf32>, tensor<1xi64>, tensor<1xf32>, tensor<1xf32>) -> tensor<?x3xi64>
  return %0 : tensor<?x3xi64>
}

// -----

// Tests that Unique along an axis moves the axis first, compares rows of
// the collapsed [n, m] view, and transposes Y back.
// CHECK-LABEL: func.func @unique_axis
// CHECK: linalg.transpose
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2]] : tensor<3x2x2xf32> into tensor<3x4xf32>
// CHECK: scf.for
// CHECK: arith.cmpf olt
// CHECK: tensor.insert_slice
// CHECK: linalg.transpose
func.func @unique_axis(%x: tensor<2x3x2xf32>) -> (tensor<2x?x2xf32>, tensor<?xi64>, tensor<3xi64>, tensor<?xi64>) {
  %y, %i, %inv, %c = "onnx.Unique"(%x) {axis = 1 : i64, sorted = 1 : i64} : (tensor<2x3x2xf32>) -> (tensor<2x?x2xf32>, tensor<?xi64>, tensor<3xi64>, tensor<?xi64>)
  return %y, %i, %inv, %c : tensor<2x?x2xf32>, tensor<?xi64>, tensor<3xi64>, tensor<?xi64>
}
