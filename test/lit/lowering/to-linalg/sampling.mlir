// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that bilinear GridSample with zeros padding is one generic over
// (N, C, Hout, Wout) that reads x from grid component 1 for the W dim,
// denormalizes ((g + 1) * size - 1) / 2, and sums 2 x 2 taps, each zeroed
// outside the input by an unsigned bounds check.
// CHECK-LABEL: func.func @grid_sample_linear
// CHECK-SAME: %[[X:.*]]: tensor<1x2x4x5xf32>, %[[G:.*]]: tensor<1x3x6x2xf32>
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<1x2x3x6xf32>
// CHECK: linalg.generic {{.*}} outs(%[[EMPTY]] : tensor<1x2x3x6xf32>)
// CHECK: tensor.extract %[[G]][%{{.*}}, %{{.*}}, %{{.*}}, %c1{{.*}}]
// CHECK: arith.mulf
// CHECK: arith.divf
// CHECK: math.floor
// CHECK: arith.cmpi ult
// CHECK: tensor.extract %[[G]][%{{.*}}, %{{.*}}, %{{.*}}, %c0{{.*}}]
// CHECK-COUNT-4: tensor.extract %[[X]]
// CHECK: linalg.yield
func.func @grid_sample_linear(%x: tensor<1x2x4x5xf32>, %g: tensor<1x3x6x2xf32>) -> tensor<1x2x3x6xf32> {
  %0 = "onnx.GridSample"(%x, %g) {mode = "linear", padding_mode = "zeros", align_corners = 0 : i64} : (tensor<1x2x4x5xf32>, tensor<1x3x6x2xf32>) -> tensor<1x2x3x6xf32>
  return %0 : tensor<1x2x3x6xf32>
}

// -----

// Tests that nearest GridSample with reflection padding rounds half to even
// and reflects the coordinate (trunc of the trips across the range) before
// reading the one tap.
// CHECK-LABEL: func.func @grid_sample_nearest_reflection
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<1x1x4x4xf32>
// CHECK: linalg.generic
// CHECK: math.roundeven
// CHECK: math.trunc
// CHECK: arith.select
// CHECK: arith.fptosi
// CHECK: tensor.extract %[[X]]
// CHECK-NOT: tensor.extract %[[X]]
// CHECK: linalg.yield
func.func @grid_sample_nearest_reflection(%x: tensor<1x1x4x4xf32>, %g: tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %0 = "onnx.GridSample"(%x, %g) {mode = "nearest", padding_mode = "reflection", align_corners = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

// Tests that AffineGrid computes each grid component in f64 as theta's row
// dotted with (x, y, 1) and truncates the sum to f32.
// CHECK-LABEL: func.func @affine_grid_2d
// CHECK-SAME: %[[T:.*]]: tensor<2x2x3xf32>
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<2x5x6x2xf32>
// CHECK: linalg.generic {{.*}} outs(%[[EMPTY]] : tensor<2x5x6x2xf32>)
// CHECK: tensor.extract %[[T]]
// CHECK: arith.extf {{.*}} f32 to f64
// CHECK: arith.mulf {{.*}} : f64
// CHECK: arith.truncf {{.*}} f64 to f32
func.func @affine_grid_2d(%theta: tensor<2x2x3xf32>, %size: tensor<4xi64>) -> tensor<2x5x6x2xf32> {
  %0 = "onnx.AffineGrid"(%theta, %size) {align_corners = 0 : i64} : (tensor<2x2x3xf32>, tensor<4xi64>) -> tensor<2x5x6x2xf32>
  return %0 : tensor<2x5x6x2xf32>
}

// -----

// Tests that RoiAlign (max mode, sampling_ratio 2) checks the batch indices
// and takes the largest weighted tap over a 2x2 grid of reduction dims.
// CHECK-LABEL: func.func @roialign
// CHECK: cf.assert %{{.*}}, "onnx.RoiAlign: a batch index is outside the input batch"
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%{{.*}} : tensor<2x2xf32>) outs(%{{.*}} : tensor<3x1x5x5xf32>)
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<3x4xf32>
// CHECK: math.floor
// CHECK-COUNT-4: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : tensor<1x1x10x10xf32>
// CHECK: arith.maximumf
func.func @roialign(%x: tensor<1x1x10x10xf32>, %r: tensor<3x4xf32>, %b: tensor<3xi64>) -> tensor<3x1x5x5xf32> {
  %0 = "onnx.RoiAlign"(%x, %r, %b) {output_height = 5 : i64, output_width = 5 : i64, sampling_ratio = 2 : i64, mode = "max"} : (tensor<1x1x10x10xf32>, tensor<3x4xf32>, tensor<3xi64>) -> tensor<3x1x5x5xf32>
  return %0 : tensor<3x1x5x5xf32>
}
