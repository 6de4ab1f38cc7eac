// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file -verify-diagnostics

// Tests that an op without a lowering is reported by name, not as a generic
// legalization failure.
func.func @unsupported(%x: tensor<?xui8>) -> tensor<?x?x3xui8> {
  // expected-error @+1 {{kiln does not lower onnx.ImageDecoder to linalg yet}}
  %0 = "onnx.ImageDecoder"(%x) {pixel_format = "RGB"} : (tensor<?xui8>) -> tensor<?x?x3xui8>
  return %0 : tensor<?x?x3xui8>
}

// -----

// Tests that an op whose preconditions are not met (a Reshape whose shape
// input has a run-time length and whose result rank is unknown, so the rank
// would depend on values) is reported the same way.
func.func @reshape_unknown_rank(%x: tensor<8xf32>, %s: tensor<?xi64>) -> tensor<*xf32> {
  // expected-error @+1 {{kiln does not lower onnx.Reshape to linalg yet}}
  %0 = "onnx.Reshape"(%x, %s) : (tensor<8xf32>, tensor<?xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests that nearest Resize with antialias (undefined) is reported by name.
func.func @resize_antialias(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  %none = onnx.NoValue
  %scales = "onnx.Constant"() {value = dense<[1.0, 1.0, 0.5, 0.5]> : tensor<4xf32>} : () -> tensor<4xf32>
  // expected-error @+1 {{kiln does not lower onnx.Resize to linalg yet}}
  %0 = "onnx.Resize"(%x, %none, %scales, %none) {mode = "nearest", antialias = 1 : i64} : (tensor<1x1x4x4xf32>, none, tensor<4xf32>, none) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

// Tests that Resize with run-time scales and a dynamic (data-dependent)
// result is reported by name.
func.func @resize_runtime_scales(%x: tensor<1x1x4x4xf32>, %scales: tensor<4xf32>) -> tensor<1x1x?x?xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{kiln does not lower onnx.Resize to linalg yet}}
  %0 = "onnx.Resize"(%x, %none, %scales, %none) {mode = "nearest"} : (tensor<1x1x4x4xf32>, none, tensor<4xf32>, none) -> tensor<1x1x?x?xf32>
  return %0 : tensor<1x1x?x?xf32>
}

// -----

// Tests that RoiAlign with the adaptive sampling ratio (0: a per-ROI point
// count) is reported by name.
func.func @roialign_adaptive(%x: tensor<1x1x10x10xf32>, %r: tensor<3x4xf32>, %b: tensor<3xi64>) -> tensor<3x1x5x5xf32> {
  // expected-error @+1 {{kiln does not lower onnx.RoiAlign to linalg yet}}
  %0 = "onnx.RoiAlign"(%x, %r, %b) {output_height = 5 : i64, output_width = 5 : i64, sampling_ratio = 0 : i64} : (tensor<1x1x10x10xf32>, tensor<3x4xf32>, tensor<3xi64>) -> tensor<3x1x5x5xf32>
  return %0 : tensor<3x1x5x5xf32>
}
