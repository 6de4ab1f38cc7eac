// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that nearest Resize with constant scales is one generic over the
// output without inputs: half_pixel maps y to (y + 0.5) / 2 - 0.5,
// round_prefer_floor rounds with ceil(x - 0.5), and the clamped tap is read
// with tensor.extract; the unresized N and C dims pass linalg.index through.
// CHECK-LABEL: func.func @nearest_scales
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<1x3x4x6xf32>
// CHECK: linalg.generic {{.*}} outs(%[[EMPTY]] : tensor<1x3x4x6xf32>)
// CHECK: %[[Y:.*]] = linalg.index 2 : index
// CHECK: arith.sitofp
// CHECK: arith.addf %{{.*}}, %cst{{.*}} : f32
// CHECK: arith.divf
// CHECK: math.ceil
// CHECK: arith.fptosi
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: linalg.index 3 : index
// CHECK: math.ceil
// CHECK: %[[N:.*]] = linalg.index 0 : index
// CHECK: %[[C:.*]] = linalg.index 1 : index
// CHECK: %[[V:.*]] = tensor.extract %{{.*}}[%[[N]], %[[C]], %{{.*}}, %{{.*}}] : tensor<1x3x2x3xf32>
// CHECK: linalg.yield %[[V]] : f32
func.func @nearest_scales(%x: tensor<1x3x2x3xf32>) -> tensor<1x3x4x6xf32> {
  %none = onnx.NoValue
  %scales = "onnx.Constant"() {value = dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %0 = "onnx.Resize"(%x, %none, %scales, %none) {mode = "nearest"} : (tensor<1x3x2x3xf32>, none, tensor<4xf32>, none) -> tensor<1x3x4x6xf32>
  return %0 : tensor<1x3x4x6xf32>
}

// -----

// Tests that linear Resize with sizes and align_corners maps y to
// y * (in - 1) / (out - 1) and blends 2 x 2 taps weighted by products of
// (1 - r, r).
// CHECK-LABEL: func.func @linear_sizes_align_corners
// CHECK: linalg.generic
// CHECK: linalg.index 2 : index
// CHECK: arith.mulf %{{.*}}, %cst{{.*}} : f32
// CHECK: arith.divf
// CHECK: math.floor
// CHECK: arith.subf
// CHECK: linalg.index 3 : index
// CHECK-COUNT-4: tensor.extract %{{.*}} : tensor<1x1x3x3xf32>
// CHECK: linalg.yield
func.func @linear_sizes_align_corners(%x: tensor<1x1x3x3xf32>) -> tensor<1x1x4x5xf32> {
  %none = onnx.NoValue
  %sizes = "onnx.Constant"() {value = dense<[1, 1, 4, 5]> : tensor<4xi64>} : () -> tensor<4xi64>
  %0 = "onnx.Resize"(%x, %none, %none, %sizes) {mode = "linear", coordinate_transformation_mode = "align_corners"} : (tensor<1x1x3x3xf32>, none, none, tensor<4xi64>) -> tensor<1x1x4x5xf32>
  return %0 : tensor<1x1x4x5xf32>
}

// -----

// Tests that cubic Resize reads 4 x 4 taps and, with exclude_outside, zeroes
// the weights of taps outside the input and renormalizes them.
// CHECK-LABEL: func.func @cubic_exclude_outside
// CHECK: linalg.generic
// CHECK: math.floor
// CHECK: arith.cmpi sge
// CHECK: arith.cmpi sle
// CHECK: arith.select
// CHECK: arith.divf
// CHECK-COUNT-16: tensor.extract
// CHECK-NOT: tensor.extract
// CHECK: linalg.yield
func.func @cubic_exclude_outside(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32> {
  %none = onnx.NoValue
  %scales = "onnx.Constant"() {value = dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %0 = "onnx.Resize"(%x, %none, %scales, %none) {mode = "cubic", cubic_coeff_a = -5.000000e-01 : f32, exclude_outside = 1 : i64} : (tensor<1x1x4x4xf32>, none, tensor<4xf32>, none) -> tensor<1x1x8x8xf32>
  return %0 : tensor<1x1x8x8xf32>
}

// -----

// Tests that tf_crop_and_resize takes the roi and writes extrapolation_value
// where the source coordinate leaves [0, in - 1].
// CHECK-LABEL: func.func @tf_crop_and_resize
// CHECK: linalg.generic
// CHECK: arith.cmpf olt
// CHECK: arith.cmpf ogt
// CHECK: arith.ori
// CHECK: arith.cmpf olt
// CHECK: arith.cmpf ogt
// CHECK: arith.ori
// CHECK: %[[OUT:.*]] = arith.ori
// CHECK: %[[FILL:.*]] = arith.constant 1.000000e+01 : f32
// CHECK: %[[V:.*]] = arith.select %[[OUT]], %[[FILL]], %{{.*}} : f32
// CHECK: linalg.yield %[[V]]
func.func @tf_crop_and_resize(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32> {
  %none = onnx.NoValue
  %roi = "onnx.Constant"() {value = dense<[0.4, 0.6, 0.6, 0.8]> : tensor<4xf32>} : () -> tensor<4xf32>
  %sizes = "onnx.Constant"() {value = dense<[3, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = "onnx.Resize"(%x, %roi, %none, %sizes) {axes = [2, 3], mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize", extrapolation_value = 1.000000e+01 : f32} : (tensor<1x1x4x4xf32>, tensor<4xf32>, none, tensor<2xi64>) -> tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x3x3xf32>
}

// -----

// Tests that keep_aspect_ratio_policy = not_larger scales every listed axis
// by the smallest ratio (min(7/4, 8/4) = 1.75: 4x4 -> 7x7) and that axes
// listed out of order pair with their sizes.
// CHECK-LABEL: func.func @not_larger_axes
// CHECK: tensor.empty() : tensor<1x1x7x7xf32>
func.func @not_larger_axes(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x7x7xf32> {
  %none = onnx.NoValue
  %sizes = "onnx.Constant"() {value = dense<[8, 7]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = "onnx.Resize"(%x, %none, %none, %sizes) {axes = [3, 2], keep_aspect_ratio_policy = "not_larger"} : (tensor<1x1x4x4xf32>, none, none, tensor<2xi64>) -> tensor<1x1x7x7xf32>
  return %0 : tensor<1x1x7x7xf32>
}

// -----

// Tests that a dynamic resized dim under half_pixel gets its output size
// floor(in * scale) at run time and its clamp bound from tensor.dim.
// CHECK-LABEL: func.func @dynamic_spatial
// CHECK: %[[H:.*]] = tensor.dim %{{.*}}, %c2 : tensor<1x8x?x?xf32>
// CHECK: arith.mulf
// CHECK: %[[OH:.*]] = arith.index_cast
// CHECK: tensor.empty(%[[OH]], %{{.*}}) : tensor<1x8x?x?xf32>
func.func @dynamic_spatial(%x: tensor<1x8x?x?xf32>) -> tensor<1x8x?x?xf32> {
  %none = onnx.NoValue
  %scales = "onnx.Constant"() {value = dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %0 = "onnx.Resize"(%x, %none, %scales, %none) {mode = "linear"} : (tensor<1x8x?x?xf32>, none, tensor<4xf32>, none) -> tensor<1x8x?x?xf32>
  return %0 : tensor<1x8x?x?xf32>
}

// -----

// Tests that an integer linear Resize interpolates in f32, rounds half to
// even and saturates back into the integer type.
// CHECK-LABEL: func.func @linear_ui8
// CHECK: linalg.generic
// CHECK: arith.uitofp %{{.*}} : i8 to f32
// CHECK: math.roundeven
// CHECK: arith.fptoui %{{.*}} : f32 to i8
// CHECK: linalg.yield
func.func @linear_ui8(%x: tensor<1x1x2x2xui8>) -> tensor<1x1x4x4xui8> {
  %none = onnx.NoValue
  %scales = "onnx.Constant"() {value = dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %0 = "onnx.Resize"(%x, %none, %scales, %none) {mode = "linear"} : (tensor<1x1x2x2xui8>, none, tensor<4xf32>, none) -> tensor<1x1x4x4xui8>
  return %0 : tensor<1x1x4x4xui8>
}

// -----

// Tests that antialiased linear downscaling by 2 stretches the triangle
// kernel to 4 taps per axis (distances scaled by 0.5) and normalizes the
// weights to sum 1.
// CHECK-LABEL: func.func @linear_antialias
// CHECK: linalg.generic
// CHECK: math.floor
// CHECK-COUNT-4: math.absf
// CHECK: arith.divf
// CHECK-COUNT-16: tensor.extract
// CHECK-NOT: tensor.extract
func.func @linear_antialias(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  %none = onnx.NoValue
  %scales = "onnx.Constant"() {value = dense<[1.0, 1.0, 0.5, 0.5]> : tensor<4xf32>} : () -> tensor<4xf32>
  %0 = "onnx.Resize"(%x, %none, %scales, %none) {mode = "linear", antialias = 1 : i64} : (tensor<1x1x4x4xf32>, none, tensor<4xf32>, none) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

// Tests that run-time scales are read before the generic, converted to f64
// for the coordinate map and to f32 for the body, which divides by them;
// the unit N and C dims are copied.
// CHECK-LABEL: func.func @nearest_runtime_scales
// CHECK-SAME: %[[X:.*]]: tensor<1x1x2x2xf32>, %[[S:.*]]: tensor<4xf32>
// CHECK: %[[S2:.*]] = tensor.extract %[[S]][%c2
// CHECK: %[[S2D:.*]] = arith.extf %[[S2]] : f32 to f64
// CHECK: %[[S2F:.*]] = arith.truncf %[[S2D]] : f64 to f32
// CHECK: linalg.generic
// CHECK: linalg.index 2
// CHECK: arith.divf %{{.*}}, %[[S2F]] : f32
// CHECK: math.ceil
// CHECK: tensor.extract %[[X]]
func.func @nearest_runtime_scales(%x: tensor<1x1x2x2xf32>, %scales: tensor<4xf32>) -> tensor<1x1x4x6xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Resize"(%x, %none, %scales, %none) {mode = "nearest"} : (tensor<1x1x2x2xf32>, none, tensor<4xf32>, none) -> tensor<1x1x4x6xf32>
  return %0 : tensor<1x1x4x6xf32>
}
