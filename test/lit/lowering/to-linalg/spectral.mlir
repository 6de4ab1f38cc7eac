// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that a DFT with a constant axis becomes one generic over the result
// whose body sums the signal directly with cos/sin twiddles.
// CHECK-LABEL: func.func @dft_const_axis
// CHECK: linalg.generic
// CHECK: scf.for
// CHECK: math.cos
// CHECK: math.sin
// CHECK: linalg.yield
func.func @dft_const_axis(%x: tensor<1x8x1xf32>) -> tensor<1x8x2xf32> {
  %none = onnx.NoValue
  %axis = "onnx.Constant"() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %0 = "onnx.DFT"(%x, %none, %axis) : (tensor<1x8x1xf32>, none, tensor<i64>) -> tensor<1x8x2xf32>
  return %0 : tensor<1x8x2xf32>
}

// -----

// Tests that a run-time axis is checked at run time and that an inverse
// divides by the transform length.
// CHECK-LABEL: func.func @dft_runtime_axis_inverse
// CHECK: tensor.extract %{{.*}}[] : tensor<i64>
// CHECK: cf.assert {{.*}}axis is out of range
// CHECK: cf.assert {{.*}}does not match the result's shape
// CHECK: linalg.generic
// CHECK: scf.for
// CHECK: arith.divf
func.func @dft_runtime_axis_inverse(%x: tensor<1x4x6x2xf32>, %axis: tensor<i64>) -> tensor<1x4x6x2xf32> {
  %none = onnx.NoValue
  %0 = "onnx.DFT"(%x, %none, %axis) {inverse = 1 : i64} : (tensor<1x4x6x2xf32>, none, tensor<i64>) -> tensor<1x4x6x2xf32>
  return %0 : tensor<1x4x6x2xf32>
}

// -----

// Tests that STFT checks its run-time frame step against the result's frames
// and windows each frame.
// CHECK-LABEL: func.func @stft_window
// CHECK: cf.assert {{.*}}frame_step, frame_length or the window
// CHECK: linalg.generic
// CHECK: scf.for
// CHECK: tensor.extract %{{.*}} : tensor<16xf32>
func.func @stft_window(%x: tensor<1x128x1xf32>, %step: tensor<i64>, %w: tensor<16xf32>) -> tensor<1x15x9x2xf32> {
  %none = onnx.NoValue
  %0 = "onnx.STFT"(%x, %step, %w, %none) : (tensor<1x128x1xf32>, tensor<i64>, tensor<16xf32>, none) -> tensor<1x15x9x2xf32>
  return %0 : tensor<1x15x9x2xf32>
}

// -----

// Tests that MelWeightMatrix computes its filter edges per element from the
// run-time scalars (mel scale with log10, back with pow, floored bins).
// CHECK-LABEL: func.func @mel
// CHECK: math.log10
// CHECK: linalg.generic
// CHECK: math.powf
// CHECK: math.floor
func.func @mel(%n: tensor<i32>, %d: tensor<i32>, %r: tensor<i32>, %lo: tensor<f32>, %hi: tensor<f32>) -> tensor<9x8xf32> {
  %0 = "onnx.MelWeightMatrix"(%n, %d, %r, %lo, %hi) : (tensor<i32>, tensor<i32>, tensor<i32>, tensor<f32>, tensor<f32>) -> tensor<9x8xf32>
  return %0 : tensor<9x8xf32>
}
